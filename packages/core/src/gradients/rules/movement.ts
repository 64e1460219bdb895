/**
 * Gradient rules of ops that move values without changing them: reshapes, transposes, broadcasts,
 * concatenation and splitting, slicing and gathering. Their gradients route each output gradient back
 * to the input position it came from, adding up where one input value was read several times.
 *
 * @module
 */
import { attr, getAttribute } from "../../onnx/graph.ts";
import { DataType } from "../../onnx/proto.ts";
import { normAxis, type Rule } from "../differentiator.ts";

const reshape: Rule = (d, { node, g }) => [d.reshapeLike(g, node.input![0])];

/** Rules by op type. */
export const MOVEMENT_RULES: Record<string, Rule> = {
  Reshape: reshape,
  Flatten: reshape,
  Squeeze: reshape,
  Unsqueeze: reshape,
  Transpose(d, { node, g }) {
    const r = d.rank(node.input![0]);
    const perm = (getAttribute(node, "perm") as number[] | undefined) ??
      [...Array(r).keys()].reverse();
    const inverse = new Array<number>(r);
    perm.forEach((p, i) => (inverse[p] = i));
    return [d.op("Transpose", [g], { perm: attr.ints(inverse) })];
  },
  Expand: (d, { node, g }) => [d.unbroadcast(g, d.dims(node.output![0]), node.input![0])],
  Concat(d, { node, g, active }) {
    const axis = normAxis(Number(getAttribute(node, "axis")), d.rank(node.output![0]));
    const axes = d.ints([axis]);
    let start = d.ints([0]);
    return node.input!.map((x, i) => {
      const size = d.op("Gather", [d.op("Shape", [x]), d.ints([axis])], { axis: attr.int(0) });
      const end = d.op("Add", [start, size]);
      const gx = active(i) ? d.op("Slice", [g, start, end, axes]) : undefined;
      start = end;
      return gx;
    });
  },
  Split(d, { node, gy }) {
    const axis = normAxis(Number(getAttribute(node, "axis") ?? 0), d.rank(node.input![0]));
    return [d.op("Concat", node.output!.map((o, i) => gy[i] ?? d.zerosLike(o)), {
      axis: attr.int(axis),
    })];
  },
  /** Scatters the gradient back through the positions a Slice read, whatever its axes and steps. */
  Slice(d, { node, g }) {
    const x = node.input![0];
    const positions = d.op("Reshape", [
      d.op("Range", [d.scalarInt(0), d.op("Size", [x]), d.scalarInt(1)]),
      d.op("Shape", [x]),
    ]);
    const picked = d.opset >= 10
      ? d.op("Slice", [positions, ...node.input!.slice(1)])
      : d.op("Slice", [positions], Object.fromEntries(node.attribute!.map((a) => [a.name!, a])));
    const flat = d.ints([-1]);
    const scattered = d.op("ScatterElements", [
      d.op("Reshape", [d.zerosLike(x), flat]),
      d.op("Reshape", [picked, flat]),
      d.op("Reshape", [g, flat]),
    ], { axis: attr.int(0) });
    return [d.reshapeLike(scattered, x)];
  },
  /**
   * Gather on an activation: gx[..., n, ...] sums the gradients of every gathered copy of n, done as
   * a product with the one-hot matrix of the indices (duplicates add up, any opset from 11).
   */
  Gather(d, { node, g }) {
    const [data, indices] = node.input!;
    const r = d.rank(data);
    const axis = normAxis(Number(getAttribute(node, "axis") ?? 0), r);
    const T = d.elemType(data);
    const dataShape = d.op("Shape", [data]);
    const depth = d.op("Gather", [dataShape, d.ints([axis])], { axis: attr.int(0) });
    const values = d.g.addInitializer(
      "grad_onehot_values",
      T === DataType.DOUBLE ? new Float64Array([0, 1]) : new Float32Array([0, 1]),
      [2],
    );
    const count = d.op("Reshape", [d.op("Size", [indices]), d.ints([1])]);
    const oneHot = d.op("OneHot", [
      d.op("Reshape", [indices, d.ints([-1])]),
      depth,
      values,
    ], { axis: attr.int(-1) });
    const lead = d.op("Slice", [dataShape, d.ints([0]), d.ints([axis]), d.ints([0])]);
    const grouped = d.op("Reshape", [
      g,
      d.op("Concat", [lead, count, d.ints([-1])], { axis: attr.int(0) }),
    ]);
    const summed = d.op("MatMul", [
      d.op("Transpose", [oneHot], { perm: attr.ints([1, 0]) }),
      grouped,
    ]);
    return [d.op("Reshape", [summed, dataShape])];
  },
};
