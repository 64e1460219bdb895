/**
 * Reverse-mode differentiation of an ONNX graph, emitted as more ONNX: for every node between the
 * differentiated input and the seeded outputs, a gradient rule appends standard operators that turn
 * the gradient of the node's outputs into the gradient of its inputs. The result runs in any
 * onnxruntime, which has no gradient API of its own.
 *
 * Ranks, element types and which dimensions are 1 come from a probe run of the forward graph
 * ({@link TensorInfo}); everything that depends on batch or sequence length is computed at run time
 * with Shape ops, so the built graph takes any batch and sequence size. Paths that carry no gradient
 * (Shape, integer tensors, masks) are pruned; an op on the path that has no rule raises
 * {@link UnsupportedOpError} naming it. The rules live by op family in `rules/`; what they share
 * (probe lookups, unbroadcasting) in `differentiator.ts`.
 *
 * @module
 */
import { UnsupportedOpError } from "../errors.ts";
import type { OnnxGraph } from "../onnx/graph.ts";
import { DataType, type NodeProto } from "../onnx/proto.ts";
import { Differentiator, FLOATS, type Rule, type TensorInfo } from "./differentiator.ts";
import { ELEMENTWISE_RULES } from "./rules/elementwise.ts";
import { LINEAR_RULES } from "./rules/linear.ts";
import { MOVEMENT_RULES } from "./rules/movement.ts";
import { NORMALIZATION_RULES } from "./rules/normalization.ts";

export type { TensorInfo } from "./differentiator.ts";

/** Where differentiation starts and what it differentiates. */
export interface DifferentiateOptions {
  /** Tensors with a known gradient: `grad` is the name of a tensor of the same shape. */
  seeds: readonly { tensor: string; grad: string }[];
  /** The tensor to differentiate with respect to. */
  wrt: string;
  /** Probe information for every tensor of the graph. */
  info: ReadonlyMap<string, TensorInfo>;
}

/** Ops whose outputs carry no gradient by nature: it is right to stop there. */
const NO_GRADIENT = new Set([
  "Shape",
  "Size",
  "Equal",
  "Less",
  "Greater",
  "LessOrEqual",
  "GreaterOrEqual",
  "Not",
  "And",
  "Or",
  "Xor",
  "ArgMax",
  "ArgMin",
  "NonZero",
  "IsNaN",
  "IsInf",
  "Sign",
  "Floor",
  "Ceil",
  "Round",
  "ConstantOfShape",
  "EyeLike",
]);

/** The gradient rule of every op the builder differentiates, by op type. */
const RULES: Readonly<Record<string, Rule>> = {
  ...ELEMENTWISE_RULES,
  ...LINEAR_RULES,
  ...NORMALIZATION_RULES,
  ...MOVEMENT_RULES,
};

/**
 * Appends to `graph` the nodes computing the gradient of the seeded outputs with respect to `wrt`.
 *
 * @param graph The forward graph (edited in place).
 * @param options Seeds, the differentiated tensor, and probe information for every tensor.
 * @returns The name of the gradient tensor (same shape as `wrt`).
 * @throws UnsupportedOpError for an op on the path that has no gradient rule, a quantized op, or
 *   float16 arithmetic on the path.
 */
export function differentiate(graph: OnnxGraph, options: DifferentiateOptions): string {
  const { info, wrt } = options;
  const d = new Differentiator(graph, info);
  const nodes = [...graph.nodes];
  const isFloat = (name: string) => FLOATS.has(info.get(name)?.elemType ?? -1);

  // Forward: tensors that depend on wrt through float values.
  const active = new Set([wrt]);
  for (const n of nodes) {
    if (!(n.input ?? []).some((i) => active.has(i))) continue;
    for (const o of n.output ?? []) {
      if (!o) continue;
      if (isFloat(o)) active.add(o);
      else if (info.get(o)?.elemType === DataType.FLOAT16) {
        throw new UnsupportedOpError(
          n.op_type!,
          n.name ?? "",
          "the model computes in float16; gradient methods need a float32 export",
        );
      }
    }
  }
  // Backward: tensors the seeds depend on.
  const needed = new Set(options.seeds.map((s) => s.tensor));
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if ((n.output ?? []).some((o) => needed.has(o))) {
      for (const x of n.input ?? []) if (x) needed.add(x);
    }
  }

  const grads = new Map<string, string[]>();
  for (const s of options.seeds) grads.set(s.tensor, [s.grad]);
  const total = (name: string): string | undefined => {
    const parts = grads.get(name);
    if (!parts?.length) return undefined;
    const sum = parts.length === 1 ? parts[0] : d.op("Sum", parts);
    grads.set(name, [sum]);
    return sum;
  };

  const activeIn = (n: NodeProto, k: number) => {
    const x = n.input?.[k];
    return Boolean(x) && active.has(x!) && needed.has(x!);
  };
  // The nodes gradient flows through, checked in graph order so that the first offending op is named.
  const path: NodeProto[] = [];
  for (const n of nodes) {
    if (!(n.input ?? []).some((_, k) => activeIn(n, k))) continue;
    const outs = n.output ?? [];
    if (!outs.some((o) => needed.has(o))) continue;
    if (!outs.some((o) => active.has(o))) {
      // Only integer or boolean results: right for comparisons and shapes, wrong for quantization.
      if (NO_GRADIENT.has(n.op_type!) || n.op_type === "Cast") continue;
      throw new UnsupportedOpError(
        n.op_type!,
        n.name ?? "",
        "it turns float activations into integers (a quantized op?)",
      );
    }
    if (n.domain && n.domain !== "ai.onnx") {
      throw new UnsupportedOpError(
        n.op_type!,
        n.name ?? "",
        `operators of domain "${n.domain}" have no gradient rule`,
      );
    }
    if (!Object.hasOwn(RULES, n.op_type!)) {
      throw new UnsupportedOpError(n.op_type!, n.name ?? "", "it has no gradient rule");
    }
    path.push(n);
  }

  for (let i = path.length - 1; i >= 0; i--) {
    const n = path[i];
    const gy = (n.output ?? []).map((o) => (active.has(o) ? total(o) : undefined));
    if (gy.every((x) => x === undefined)) continue;
    if (gy[0] === undefined && n.op_type !== "Split") continue;
    const gx = RULES[n.op_type!](d, { node: n, g: gy[0]!, gy, active: (k) => activeIn(n, k) });
    (n.input ?? []).forEach((x, k) => {
      if (gx[k] && activeIn(n, k)) {
        const list = grads.get(x) ?? [];
        list.push(gx[k]!);
        grads.set(x, list);
      }
    });
  }
  return total(wrt) ?? d.zerosLike(wrt);
}
