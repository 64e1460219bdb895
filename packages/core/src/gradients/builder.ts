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
 * {@link UnsupportedOpError} naming it.
 *
 * @module
 */
import { UnsupportedOpError } from "../errors.ts";
import {
  attr,
  type AttributeValue,
  getAttribute,
  type OnnxGraph,
  readTensor,
} from "../onnx/graph.ts";
import { DataType, type NodeProto } from "../onnx/proto.ts";

/** What a probe run tells about one tensor. */
export interface TensorInfo {
  /** ONNX element type (`DataType`). */
  elemType: number;
  /** Its shape in the probe run; only the rank and the 1-sized dimensions are relied on. */
  dims: number[];
}

/** Where differentiation starts and what it differentiates. */
export interface DifferentiateOptions {
  /** Tensors with a known gradient: `grad` is the name of a tensor of the same shape. */
  seeds: readonly { tensor: string; grad: string }[];
  /** The tensor to differentiate with respect to. */
  wrt: string;
  /** Probe information for every tensor of the graph. */
  info: ReadonlyMap<string, TensorInfo>;
}

const FLOATS = new Set<number>([DataType.FLOAT, DataType.DOUBLE]);

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

/** Ops {@link Differentiator.rule} knows. */
const RULES = new Set([
  "Identity",
  "Dropout",
  "Cast",
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Pow",
  "Sqrt",
  "Exp",
  "Log",
  "Neg",
  "Reciprocal",
  "Abs",
  "Erf",
  "Tanh",
  "Sigmoid",
  "Relu",
  "Gelu",
  "Softmax",
  "LogSoftmax",
  "MatMul",
  "Gemm",
  "ReduceMean",
  "ReduceSum",
  "Reshape",
  "Flatten",
  "Squeeze",
  "Unsqueeze",
  "Transpose",
  "Expand",
  "Where",
  "Concat",
  "Split",
  "Slice",
  "Gather",
  "LayerNormalization",
]);

/**
 * Emits standard ops into a graph in the form its opset wants (axes as attributes or inputs), with
 * shared scalar and vector constants. The gradient rules and the objective head both use it.
 */
export class Emitter {
  readonly opset: number;
  #constants = new Map<string, string>();

  constructor(readonly g: OnnxGraph) {
    this.opset = g.opset("");
  }

  /** Appends one single-output node and returns its output. */
  op(
    type: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
  ): string {
    return this.g.addNode(type, inputs, 1, attributes, { name: `grad_${type}` })[0];
  }

  /** A scalar constant of the given float type (shared between uses). */
  scalar(value: number, elemType: number = DataType.FLOAT): string {
    return this.#constant(`s:${elemType}:${value}`, () =>
      this.g.addInitializer(
        "grad_const",
        elemType === DataType.DOUBLE ? new Float64Array([value]) : new Float32Array([value]),
        [],
      ));
  }

  /** A 1-D int64 constant. */
  ints(values: readonly number[]): string {
    return this.#constant(
      `i:${values.join(",")}`,
      () =>
        this.g.addInitializer("grad_ints", BigInt64Array.from(values.map(BigInt)), [values.length]),
    );
  }

  /** A scalar int64 constant. */
  scalarInt(value: number): string {
    return this.#constant(
      `si:${value}`,
      () => this.g.addInitializer("grad_int", new BigInt64Array([BigInt(value)]), []),
    );
  }

  #constant(key: string, make: () => string): string {
    let name = this.#constants.get(key);
    if (!name) {
      name = make();
      this.#constants.set(key, name);
    }
    return name;
  }

  /** ReduceSum/ReduceMean with axes as attribute or input, as the opset wants. */
  reduce(
    type: "ReduceSum" | "ReduceMean",
    x: string,
    axes: readonly number[],
    keepdims: boolean,
  ): string {
    const axesAsInput = type === "ReduceSum" ? this.opset >= 13 : this.opset >= 18;
    return axesAsInput
      ? this.op(type, [x, this.ints(axes)], { keepdims: attr.int(keepdims ? 1 : 0) })
      : this.op(type, [x], { axes: attr.ints(axes), keepdims: attr.int(keepdims ? 1 : 0) });
  }

  unsqueeze(x: string, axes: readonly number[]): string {
    return this.opset >= 13
      ? this.op("Unsqueeze", [x, this.ints(axes)])
      : this.op("Unsqueeze", [x], { axes: attr.ints(axes) });
  }
}

/** Appends the gradient graph; each rule is a method taking the node and its outputs' gradients. */
class Differentiator extends Emitter {
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

  // ---- the rules --------------------------------------------------------------------------------

  /**
   * Gradients of a node's inputs from the gradients of its outputs (`undefined` where an output got
   * none). Returns one entry per input; `undefined` for inputs that get no gradient.
   */
  rule(
    node: NodeProto,
    gy: (string | undefined)[],
    active: (i: number) => boolean,
  ): (string | undefined)[] {
    const [a, b, c] = node.input!;
    const y = node.output![0];
    const g = gy[0]!;
    const yd = this.dims(y);
    const T = this.elemType(y);
    const one = () => this.scalar(1, T);
    switch (node.op_type) {
      case "Identity":
      case "Dropout":
        return [g];
      case "Cast": {
        const from = this.elemType(a);
        if (!FLOATS.has(from)) return [undefined];
        return [from === T ? g : this.op("Cast", [g], { to: attr.int(from) })];
      }
      case "Add":
        return [
          active(0) ? this.unbroadcast(g, yd, a) : undefined,
          active(1) ? this.unbroadcast(g, yd, b) : undefined,
        ];
      case "Sub":
        return [
          active(0) ? this.unbroadcast(g, yd, a) : undefined,
          active(1) ? this.op("Neg", [this.unbroadcast(g, yd, b)]) : undefined,
        ];
      case "Mul":
        return [
          active(0) ? this.unbroadcast(this.op("Mul", [g, b]), yd, a) : undefined,
          active(1) ? this.unbroadcast(this.op("Mul", [g, a]), yd, b) : undefined,
        ];
      case "Div":
        return [
          active(0) ? this.unbroadcast(this.op("Div", [g, b]), yd, a) : undefined,
          // b is constant along the axes it was broadcast over, so dividing after the reduction is
          // exact and touches fewer values.
          active(1)
            ? this.op("Neg", [this.op("Div", [this.unbroadcast(this.op("Mul", [g, y]), yd, b), b])])
            : undefined,
        ];
      case "Pow": {
        const c = active(1) ? undefined : this.scalarValue(b);
        if (c !== undefined) {
          // The usual x^2 and x^0.5 of decomposed LayerNorm and GELU: no Pow in the backward pass.
          const local = c === 1
            ? undefined
            : c === 2
            ? this.op("Mul", [a, this.scalar(2, T)])
            : this.op("Mul", [this.scalar(c, T), this.op("Pow", [a, this.scalar(c - 1, T)])]);
          return [local ? this.unbroadcast(this.op("Mul", [g, local]), yd, a) : g, undefined];
        }
        let exponent = b;
        if (this.elemType(b) !== T) exponent = this.op("Cast", [b], { to: attr.int(T) });
        const ga = active(0)
          ? this.unbroadcast(
            this.op("Mul", [
              g,
              this.op("Mul", [exponent, this.op("Pow", [a, this.op("Sub", [exponent, one()])])]),
            ]),
            yd,
            a,
          )
          : undefined;
        const gb = active(1)
          ? this.unbroadcast(this.op("Mul", [g, this.op("Mul", [y, this.op("Log", [a])])]), yd, b)
          : undefined;
        return [ga, gb];
      }
      case "Sqrt":
        return [this.op("Div", [this.op("Mul", [g, this.scalar(0.5, T)]), y])];
      case "Exp":
        return [this.op("Mul", [g, y])];
      case "Log":
        return [this.op("Div", [g, a])];
      case "Neg":
        return [this.op("Neg", [g])];
      case "Reciprocal":
        return [this.op("Neg", [this.op("Mul", [g, this.op("Mul", [y, y])])])];
      case "Abs":
        return [this.op("Mul", [g, this.op("Sign", [a])])];
      case "Erf": {
        const gauss = this.op("Exp", [this.op("Neg", [this.op("Mul", [a, a])])]);
        return [
          this.op("Mul", [g, this.op("Mul", [gauss, this.scalar(2 / Math.sqrt(Math.PI), T)])]),
        ];
      }
      case "Tanh":
        return [this.op("Mul", [g, this.op("Sub", [one(), this.op("Mul", [y, y])])])];
      case "Sigmoid":
        return [this.op("Mul", [g, this.op("Mul", [y, this.op("Sub", [one(), y])])])];
      case "Relu":
        return [
          this.op("Where", [this.op("Greater", [a, this.scalar(0, T)]), g, this.scalar(0, T)]),
        ];
      case "Gelu":
        return [this.gelu(node, g)];
      case "Softmax":
      case "LogSoftmax": {
        const axes = this.softmaxAxes(node);
        if (node.op_type === "Softmax") {
          const s = this.reduce("ReduceSum", this.op("Mul", [g, y]), axes, true);
          return [this.op("Mul", [y, this.op("Sub", [g, s])])];
        }
        const s = this.reduce("ReduceSum", g, axes, true);
        return [this.op("Sub", [g, this.op("Mul", [this.op("Exp", [y]), s])])];
      }
      case "MatMul":
        return this.matmul(node, g, active);
      case "Gemm":
        return this.gemm(node, g, active);
      case "ReduceMean":
      case "ReduceSum": {
        const axes = this.reduceAxes(node)!;
        const keep = (getAttribute(node, "keepdims") ?? 1) === 1;
        let gx = keep || axes.length === 0 ? g : this.unsqueeze(g, axes);
        gx = this.op("Expand", [gx, this.op("Shape", [a])]);
        if (node.op_type === "ReduceMean") {
          const count = this.op("Div", [
            this.op("Cast", [this.op("Size", [a])], { to: attr.int(T) }),
            this.op("Cast", [this.op("Size", [y])], { to: attr.int(T) }),
          ]);
          gx = this.op("Div", [gx, count]);
        }
        return [gx];
      }
      case "Reshape":
      case "Flatten":
      case "Squeeze":
      case "Unsqueeze":
        return [this.reshapeLike(g, a)];
      case "Transpose": {
        const r = this.rank(a);
        const perm = (getAttribute(node, "perm") as number[] | undefined) ??
          [...Array(r).keys()].reverse();
        const inverse = new Array<number>(r);
        perm.forEach((p, i) => (inverse[p] = i));
        return [this.op("Transpose", [g], { perm: attr.ints(inverse) })];
      }
      case "Expand":
        return [this.unbroadcast(g, yd, a)];
      case "Where": {
        const zero = this.scalar(0, T);
        return [
          undefined,
          active(1) ? this.unbroadcast(this.op("Where", [a, g, zero]), yd, b) : undefined,
          active(2) ? this.unbroadcast(this.op("Where", [a, zero, g]), yd, c) : undefined,
        ];
      }
      case "Concat":
        return this.concat(node, g, active);
      case "Split":
        return [this.op("Concat", node.output!.map((o, i) => gy[i] ?? this.zerosLike(o)), {
          axis: attr.int(normAxis(Number(getAttribute(node, "axis") ?? 0), this.rank(a))),
        })];
      case "Slice":
        return [this.slice(node, g)];
      case "Gather":
        return [this.gather(node, g)];
      case "LayerNormalization":
        return [this.layerNorm(node, g)];
      default:
        throw new UnsupportedOpError(
          node.op_type ?? "?",
          node.name ?? "",
          "it has no gradient rule",
        );
    }
  }

  softmaxAxes(node: NodeProto): number[] {
    const r = this.rank(node.input![0]);
    const axis = normAxis(Number(getAttribute(node, "axis") ?? (this.opset >= 13 ? -1 : 1)), r);
    // Before opset 13 Softmax normalises over all axes from `axis` on (the input is coerced to 2-D).
    return this.opset >= 13 ? [axis] : [...Array(r - axis).keys()].map((i) => i + axis);
  }

  gelu(node: NodeProto, g: string): string {
    const x = node.input![0];
    const T = this.elemType(x);
    if (getAttribute(node, "approximate") === "tanh") {
      // y = x/2 (1 + tanh(u)), u = c (x + 0.044715 x^3): dy/dx = (1 + t)/2 + x/2 (1 - t^2) c (1 + 3*0.044715 x^2)
      const c = Math.sqrt(2 / Math.PI);
      const x2 = this.op("Mul", [x, x]);
      const u = this.op("Mul", [
        this.scalar(c, T),
        this.op("Add", [x, this.op("Mul", [this.scalar(0.044715, T), this.op("Mul", [x2, x])])]),
      ]);
      const t = this.op("Tanh", [u]);
      const du = this.op("Mul", [
        this.scalar(c, T),
        this.op("Add", [this.scalar(1, T), this.op("Mul", [this.scalar(3 * 0.044715, T), x2])]),
      ]);
      const left = this.op("Mul", [this.scalar(0.5, T), this.op("Add", [this.scalar(1, T), t])]);
      const right = this.op("Mul", [
        this.op("Mul", [this.scalar(0.5, T), x]),
        this.op("Mul", [this.op("Sub", [this.scalar(1, T), this.op("Mul", [t, t])]), du]),
      ]);
      return this.op("Mul", [g, this.op("Add", [left, right])]);
    }
    // y = x Phi(x): dy/dx = Phi(x) + x phi(x)
    const phi = this.op("Mul", [
      this.scalar(1 / Math.sqrt(2 * Math.PI), T),
      this.op("Exp", [this.op("Mul", [this.scalar(-0.5, T), this.op("Mul", [x, x])])]),
    ]);
    const Phi = this.op("Mul", [
      this.scalar(0.5, T),
      this.op("Add", [
        this.scalar(1, T),
        this.op("Erf", [this.op("Mul", [x, this.scalar(Math.SQRT1_2, T)])]),
      ]),
    ]);
    return this.op("Mul", [g, this.op("Add", [Phi, this.op("Mul", [x, phi])])]);
  }

  matmul(node: NodeProto, g: string, active: (i: number) => boolean): (string | undefined)[] {
    const [a, b] = node.input!;
    const y = node.output![0];
    if (this.rank(a) < 2 || this.rank(b) < 2) {
      throw new UnsupportedOpError(
        "MatMul",
        node.name ?? "",
        "1-D operands are not supported by the gradient builder",
      );
    }
    const yd = this.dims(y);
    const batch = yd.slice(0, -2);
    const ad = this.dims(a), bd = this.dims(b);
    return [
      active(0)
        ? this.unbroadcast(this.op("MatMul", [g, this.swapLast(b)]), [...batch, ...ad.slice(-2)], a)
        : undefined,
      active(1)
        ? this.unbroadcast(this.op("MatMul", [this.swapLast(a), g]), [...batch, ...bd.slice(-2)], b)
        : undefined,
    ];
  }

  gemm(node: NodeProto, g: string, active: (i: number) => boolean): (string | undefined)[] {
    const [a, b, c] = node.input!;
    const alpha = Number(getAttribute(node, "alpha") ?? 1);
    const beta = Number(getAttribute(node, "beta") ?? 1);
    const transA = Number(getAttribute(node, "transA") ?? 0);
    const transB = Number(getAttribute(node, "transB") ?? 0);
    const T = this.elemType(node.output![0]);
    const gemm = (x: string, z: string, tA: number, tB: number) =>
      this.op("Gemm", this.opset >= 11 ? [x, z] : [x, z, this.scalar(0, T)], {
        alpha: attr.float(alpha),
        transA: attr.int(tA),
        transB: attr.int(tB),
      });
    // Y = alpha A' B' + beta C, with A' = transA ? A^T : A and B' likewise.
    const ga = !active(0) ? undefined : transA ? gemm(b, g, transB, 1) : gemm(g, b, 0, 1 - transB);
    const gb = !active(1) ? undefined : transB ? gemm(g, a, 1, transA) : gemm(a, g, 1 - transA, 0);
    const gc = c && active(2)
      ? this.unbroadcast(
        beta === 1 ? g : this.op("Mul", [g, this.scalar(beta, T)]),
        this.dims(node.output![0]),
        c,
      )
      : undefined;
    return [ga, gb, gc];
  }

  concat(node: NodeProto, g: string, active: (i: number) => boolean): (string | undefined)[] {
    const inputs = node.input!;
    const axis = normAxis(Number(getAttribute(node, "axis")), this.rank(node.output![0]));
    const axes = this.ints([axis]);
    let start = this.ints([0]);
    return inputs.map((x, i) => {
      const size = this.op("Gather", [this.op("Shape", [x]), this.ints([axis])], {
        axis: attr.int(0),
      });
      const end = this.op("Add", [start, size]);
      const gx = active(i) ? this.op("Slice", [g, start, end, axes]) : undefined;
      start = end;
      return gx;
    });
  }

  /** Scatters the gradient back through the positions a Slice read, whatever its axes and steps. */
  slice(node: NodeProto, g: string): string {
    const x = node.input![0];
    const positions = this.op("Reshape", [
      this.op("Range", [this.scalarInt(0), this.op("Size", [x]), this.scalarInt(1)]),
      this.op("Shape", [x]),
    ]);
    const picked = this.opset >= 10
      ? this.op("Slice", [positions, ...node.input!.slice(1)])
      : this.op("Slice", [positions], Object.fromEntries(node.attribute!.map((a) => [a.name!, a])));
    const flat = this.ints([-1]);
    const scattered = this.op("ScatterElements", [
      this.op("Reshape", [this.zerosLike(x), flat]),
      this.op("Reshape", [picked, flat]),
      this.op("Reshape", [g, flat]),
    ], { axis: attr.int(0) });
    return this.reshapeLike(scattered, x);
  }

  /**
   * Gather on an activation: gx[..., n, ...] sums the gradients of every gathered copy of n, done as
   * a product with the one-hot matrix of the indices (duplicates add up, any opset from 11).
   */
  gather(node: NodeProto, g: string): string {
    const [data, indices] = node.input!;
    const r = this.rank(data);
    const axis = normAxis(Number(getAttribute(node, "axis") ?? 0), r);
    const T = this.elemType(data);
    const dataShape = this.op("Shape", [data]);
    const depth = this.op("Gather", [dataShape, this.ints([axis])], { axis: attr.int(0) });
    const values = this.g.addInitializer(
      "grad_onehot_values",
      T === DataType.DOUBLE ? new Float64Array([0, 1]) : new Float32Array([0, 1]),
      [2],
    );
    const count = this.op("Reshape", [this.op("Size", [indices]), this.ints([1])]);
    const oneHot = this.op("OneHot", [
      this.op("Reshape", [indices, this.ints([-1])]),
      depth,
      values,
    ], { axis: attr.int(-1) });
    const lead = this.op("Slice", [dataShape, this.ints([0]), this.ints([axis]), this.ints([0])]);
    const grouped = this.op("Reshape", [
      g,
      this.op("Concat", [lead, count, this.ints([-1])], { axis: attr.int(0) }),
    ]);
    const summed = this.op("MatMul", [
      this.op("Transpose", [oneHot], { perm: attr.ints([1, 0]) }),
      grouped,
    ]);
    return this.op("Reshape", [summed, dataShape]);
  }

  layerNorm(node: NodeProto, g: string): string {
    const [x, scale] = node.input!;
    const r = this.rank(x);
    const axis = normAxis(Number(getAttribute(node, "axis") ?? -1), r);
    const epsilon = Number(getAttribute(node, "epsilon") ?? 1e-5);
    const T = this.elemType(x);
    const axes = [...Array(r - axis).keys()].map((i) => i + axis);
    const mean = (t: string) => this.reduce("ReduceMean", t, axes, true);
    const centered = this.op("Sub", [x, mean(x)]);
    const variance = mean(this.op("Mul", [centered, centered]));
    const rstd = this.op("Reciprocal", [
      this.op("Sqrt", [this.op("Add", [variance, this.scalar(epsilon, T)])]),
    ]);
    const xhat = this.op("Mul", [centered, rstd]);
    const gh = this.op("Mul", [g, scale]);
    const inner = this.op("Sub", [
      this.op("Sub", [gh, mean(gh)]),
      this.op("Mul", [xhat, mean(this.op("Mul", [gh, xhat]))]),
    ]);
    return this.op("Mul", [inner, rstd]);
  }
}

function normAxis(axis: number, rank: number): number {
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
    if (!RULES.has(n.op_type!)) {
      throw new UnsupportedOpError(n.op_type!, n.name ?? "", "it has no gradient rule");
    }
    path.push(n);
  }

  for (let i = path.length - 1; i >= 0; i--) {
    const n = path[i];
    const gy = (n.output ?? []).map((o) => (active.has(o) ? total(o) : undefined));
    if (gy.every((x) => x === undefined)) continue;
    if (gy[0] === undefined && n.op_type !== "Split") continue;
    const gx = d.rule(n, gy, (k) => activeIn(n, k));
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
