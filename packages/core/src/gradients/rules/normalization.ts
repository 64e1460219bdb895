/**
 * Gradient rules of ops that reduce over axes: Softmax and LogSoftmax, ReduceSum and ReduceMean, and
 * LayerNormalization (written out from its mean and variance, so it needs no training-mode outputs).
 *
 * @module
 */
import { attr, getAttribute } from "../../onnx/graph.ts";
import type { NodeProto } from "../../onnx/proto.ts";
import { type Differentiator, normAxis, type Rule } from "../differentiator.ts";

function softmaxAxes(d: Differentiator, node: NodeProto): number[] {
  const r = d.rank(node.input![0]);
  const axis = normAxis(Number(getAttribute(node, "axis") ?? (d.opset >= 13 ? -1 : 1)), r);
  // Before opset 13 Softmax normalises over all axes from `axis` on (the input is coerced to 2-D).
  return d.opset >= 13 ? [axis] : [...Array(r - axis).keys()].map((i) => i + axis);
}

const reduction: Rule = (d, { node, g }) => {
  const a = node.input![0];
  const y = node.output![0];
  const T = d.elemType(y);
  const axes = d.reduceAxes(node)!;
  const keep = (getAttribute(node, "keepdims") ?? 1) === 1;
  let gx = keep || axes.length === 0 ? g : d.unsqueeze(g, axes);
  gx = d.op("Expand", [gx, d.op("Shape", [a])]);
  if (node.op_type === "ReduceMean") {
    const count = d.op("Div", [
      d.op("Cast", [d.op("Size", [a])], { to: attr.int(T) }),
      d.op("Cast", [d.op("Size", [y])], { to: attr.int(T) }),
    ]);
    gx = d.op("Div", [gx, count]);
  }
  return [gx];
};

/** Rules by op type. */
export const NORMALIZATION_RULES: Record<string, Rule> = {
  Softmax(d, { node, g }) {
    const y = node.output![0];
    const s = d.reduce("ReduceSum", d.op("Mul", [g, y]), softmaxAxes(d, node), true);
    return [d.op("Mul", [y, d.op("Sub", [g, s])])];
  },
  LogSoftmax(d, { node, g }) {
    const y = node.output![0];
    const s = d.reduce("ReduceSum", g, softmaxAxes(d, node), true);
    return [d.op("Sub", [g, d.op("Mul", [d.op("Exp", [y]), s])])];
  },
  ReduceMean: reduction,
  ReduceSum: reduction,
  LayerNormalization(d, { node, g }) {
    const [x, scale] = node.input!;
    const r = d.rank(x);
    const axis = normAxis(Number(getAttribute(node, "axis") ?? -1), r);
    const epsilon = Number(getAttribute(node, "epsilon") ?? 1e-5);
    const T = d.elemType(x);
    const axes = [...Array(r - axis).keys()].map((i) => i + axis);
    const mean = (t: string) => d.reduce("ReduceMean", t, axes, true);
    const centered = d.op("Sub", [x, mean(x)]);
    const variance = mean(d.op("Mul", [centered, centered]));
    const rstd = d.op("Reciprocal", [
      d.op("Sqrt", [d.op("Add", [variance, d.scalar(epsilon, T)])]),
    ]);
    const xhat = d.op("Mul", [centered, rstd]);
    const gh = d.op("Mul", [g, scale]);
    const inner = d.op("Sub", [
      d.op("Sub", [gh, mean(gh)]),
      d.op("Mul", [xhat, mean(d.op("Mul", [gh, xhat]))]),
    ]);
    return [d.op("Mul", [inner, rstd])];
  },
};
