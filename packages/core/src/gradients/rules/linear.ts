/**
 * Gradient rules of matrix products: MatMul (batched, with broadcast batch axes) and Gemm (with its
 * transposes, alpha and beta).
 *
 * @module
 */
import { UnsupportedOpError } from "../../errors.ts";
import { attr, getAttribute } from "../../onnx/graph.ts";
import type { Rule } from "../differentiator.ts";

/** Rules by op type. */
export const LINEAR_RULES: Record<string, Rule> = {
  MatMul(d, { node, g, active }) {
    const [a, b] = node.input!;
    const y = node.output![0];
    if (d.rank(a) < 2 || d.rank(b) < 2) {
      throw new UnsupportedOpError(
        "MatMul",
        node.name ?? "",
        "1-D operands are not supported by the gradient builder",
      );
    }
    const yd = d.dims(y);
    const batch = yd.slice(0, -2);
    const ad = d.dims(a), bd = d.dims(b);
    return [
      active(0)
        ? d.unbroadcast(d.op("MatMul", [g, d.swapLast(b)]), [...batch, ...ad.slice(-2)], a)
        : undefined,
      active(1)
        ? d.unbroadcast(d.op("MatMul", [d.swapLast(a), g]), [...batch, ...bd.slice(-2)], b)
        : undefined,
    ];
  },
  Gemm(d, { node, g, active }) {
    const [a, b, c] = node.input!;
    const alpha = Number(getAttribute(node, "alpha") ?? 1);
    const beta = Number(getAttribute(node, "beta") ?? 1);
    const transA = Number(getAttribute(node, "transA") ?? 0);
    const transB = Number(getAttribute(node, "transB") ?? 0);
    const T = d.elemType(node.output![0]);
    const gemm = (x: string, z: string, tA: number, tB: number) =>
      d.op("Gemm", d.opset >= 11 ? [x, z] : [x, z, d.scalar(0, T)], {
        alpha: attr.float(alpha),
        transA: attr.int(tA),
        transB: attr.int(tB),
      });
    // Y = alpha A' B' + beta C, with A' = transA ? A^T : A and B' likewise.
    const ga = !active(0) ? undefined : transA ? gemm(b, g, transB, 1) : gemm(g, b, 0, 1 - transB);
    const gb = !active(1) ? undefined : transB ? gemm(g, a, 1, transA) : gemm(a, g, 1 - transA, 0);
    const gc = c && active(2)
      ? d.unbroadcast(
        beta === 1 ? g : d.op("Mul", [g, d.scalar(beta, T)]),
        d.dims(node.output![0]),
        c,
      )
      : undefined;
    return [ga, gb, gc];
  },
};
