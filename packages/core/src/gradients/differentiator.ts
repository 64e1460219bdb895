/**
 * What every gradient rule needs besides emitting ops: the probed rank, dims and element type of each
 * tensor, summing a gradient back over broadcast axes, reading constant operands (reduction axes,
 * exponents), and the {@link Rule} signature the rule families implement.
 *
 * @module
 */
import { UnsupportedOpError } from "../errors.ts";
import { attr, getAttribute, type OnnxGraph, readTensor } from "../onnx/graph.ts";
import { DataType, type NodeProto } from "../onnx/proto.ts";
import { Emitter } from "./emitter.ts";

/** What a probe run tells about one tensor. */
export interface TensorInfo {
  /** ONNX element type (`DataType`). */
  elemType: number;
  /** Its shape in the probe run; only the rank and the 1-sized dimensions are relied on. */
  dims: number[];
}

/** Float element types gradients flow through. */
export const FLOATS: ReadonlySet<number> = new Set<number>([DataType.FLOAT, DataType.DOUBLE]);

/** What a rule is given about one node on the gradient path. */
export interface RuleArgs {
  node: NodeProto;
  /** Gradient of the node's first output. */
  g: string;
  /** Gradients of every output (`undefined` where an output got none). */
  gy: (string | undefined)[];
  /** Whether input `i` is on the gradient path (it needs a gradient). */
  active: (i: number) => boolean;
}

/**
 * A gradient rule: the gradients of a node's inputs from those of its outputs, one entry per input,
 * `undefined` for inputs that get none.
 */
export type Rule = (d: Differentiator, args: RuleArgs) => (string | undefined)[];

/** An {@link Emitter} that also knows each tensor's probed rank, dims and element type. */
export class Differentiator extends Emitter {
  constructor(g: OnnxGraph, readonly info: ReadonlyMap<string, TensorInfo>) {
    super(g);
  }

  rank(name: string): number {
    const i = this.info.get(name);
    if (!i) throw new Error(`gradient builder: no probe information for tensor "${name}"`);
    return i.dims.length;
  }

  dims(name: string): number[] {
    return this.info.get(name)!.dims;
  }

  elemType(name: string): number {
    return this.info.get(name)?.elemType ?? DataType.FLOAT;
  }

  reshapeLike(g: string, like: string): string {
    return this.op("Reshape", [g, this.op("Shape", [like])]);
  }

  /** Swaps the last two axes. */
  swapLast(x: string): string {
    const r = this.rank(x);
    const perm = [...Array(r).keys()];
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    return this.op("Transpose", [x], { perm: attr.ints(perm) });
  }

  /**
   * Sums a gradient of shape `gradDims` over the axes along which `x` was broadcast, and gives it
   * x's shape. Axes are read from the probe: the leading axes x lacks, and axes where x has size 1
   * and the gradient does not (the probe runs with batch and sequence sizes above 1).
   */
  unbroadcast(grad: string, gradDims: readonly number[], x: string): string {
    const xd = this.dims(x);
    const lead = gradDims.length - xd.length;
    const axes: number[] = [];
    for (let i = 0; i < gradDims.length; i++) {
      if (i < lead || (xd[i - lead] === 1 && gradDims[i] !== 1)) axes.push(i);
    }
    if (axes.length === 0) return grad;
    return this.reshapeLike(this.reduce("ReduceSum", grad, axes, true), x);
  }

  /** Normalised reduction axes of a ReduceMean/ReduceSum node; `undefined` means "all axes". */
  reduceAxes(node: NodeProto): number[] | undefined {
    const x = node.input![0];
    const r = this.rank(x);
    const axesInput = node.input![1];
    let axes: number[] | undefined;
    if (axesInput) {
      const init = this.g.initializer(axesInput);
      const t = init ? readTensor(init) : constantTensor(this.g, axesInput);
      if (!t) {
        throw new UnsupportedOpError(
          node.op_type!,
          node.name ?? "",
          "its axes are computed at run time",
        );
      }
      axes = Array.from(t as ArrayLike<number | bigint>, Number);
    } else {
      axes = getAttribute(node, "axes") as number[] | undefined;
    }
    if (!axes || axes.length === 0) {
      return getAttribute(node, "noop_with_empty_axes") === 1 ? [] : [...Array(r).keys()];
    }
    return axes.map((a) => (a < 0 ? a + r : a)).sort((a, b) => a - b);
  }

  /** The value of a one-element constant (initializer or Constant node), if `name` is one. */
  scalarValue(name: string): number | undefined {
    const init = this.g.initializer(name);
    let values: ArrayLike<number | bigint> | undefined;
    if (init) {
      const t = readTensor(init);
      values = t as ArrayLike<number | bigint>;
    } else {
      const node = this.g.producer(name);
      const t = node?.op_type === "Constant"
        ? node.attribute?.find((x) => x.name === "value")?.t
        : undefined;
      if (t) values = readTensor(t) as ArrayLike<number | bigint>;
    }
    if (!values || values.length !== 1) return undefined;
    const v = Number(values[0]);
    return Number.isFinite(v) ? v : undefined;
  }

  zerosLike(x: string): string {
    const type = this.elemType(x);
    const value = type === DataType.DOUBLE ? new Float64Array([0]) : new Float32Array([0]);
    return this.g.addNode("ConstantOfShape", [this.op("Shape", [x])], 1, {
      value: attr.tensor({
        name: "zero",
        dims: [1],
        data_type: type,
        raw_data: new Uint8Array(value.buffer),
      }),
    }, { name: "grad_ConstantOfShape" })[0];
  }
}

/** A possibly negative axis as a non-negative one. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Values of a tensor produced by a Constant node, if it is one. */
function constantTensor(g: OnnxGraph, name: string): BigInt64Array | Int32Array | undefined {
  const node = g.producer(name);
  if (node?.op_type !== "Constant") return undefined;
  const value = node.attribute?.find((a) => a.name === "value")?.t;
  if (value?.raw_data) {
    const bytes = value.raw_data.slice();
    return value.data_type === DataType.INT32
      ? new Int32Array(bytes.buffer)
      : new BigInt64Array(bytes.buffer);
  }
  if (value?.int64_data) return BigInt64Array.from(value.int64_data.map(BigInt));
  const ints = node.attribute?.find((a) => a.name === "value_ints")?.ints;
  return ints ? BigInt64Array.from(ints.map(BigInt)) : undefined;
}
