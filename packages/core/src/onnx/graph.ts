/**
 * Graph editing over a decoded ONNX model: look nodes and tensors up, add nodes, initializers, inputs
 * and outputs under names that cannot collide, read initializers as typed arrays (through
 * `tensor.ts`, re-exported here), and find the opset a node is interpreted under. The gradient
 * builder, the taps, the position head and the logit lens share it.
 *
 * @module
 */
import {
  type Attribute,
  AttributeType,
  DataType,
  decodeModel,
  encodeModel,
  type Int64,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfo,
} from "./proto.ts";
import { type ExternalData, makeTensor, readTensor, type TensorArray } from "./tensor.ts";

export { type ExternalData, makeTensor, readTensor, type TensorArray } from "./tensor.ts";

/** A node attribute value as the builders take it; see {@link attr}. */
export type AttributeValue = Omit<Attribute, "name">;

/** Attribute constructors; ONNX needs the type spelt out (an integral float is still a float). */
export const attr = {
  int: (i: Int64): AttributeValue => ({ type: AttributeType.INT, i }),
  float: (f: number): AttributeValue => ({ type: AttributeType.FLOAT, f }),
  ints: (ints: readonly Int64[]): AttributeValue => ({ type: AttributeType.INTS, ints: [...ints] }),
  floats: (floats: readonly number[]): AttributeValue => ({
    type: AttributeType.FLOATS,
    floats: [...floats],
  }),
  string: (s: string): AttributeValue => ({
    type: AttributeType.STRING,
    s: new TextEncoder().encode(s),
  }),
  tensor: (t: TensorProto): AttributeValue => ({ type: AttributeType.TENSOR, t }),
};

/** Value of a node's attribute as a number, numbers, string or tensor; `undefined` when absent. */
export function getAttribute(
  node: NodeProto,
  name: string,
): number | number[] | string | TensorProto | undefined {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  switch (a.type) {
    case AttributeType.FLOAT:
      return a.f ?? 0;
    case AttributeType.INT:
      return Number(a.i ?? 0);
    case AttributeType.STRING:
      return new TextDecoder().decode(a.s ?? new Uint8Array());
    case AttributeType.TENSOR:
      return a.t;
    case AttributeType.FLOATS:
      return a.floats ?? [];
    case AttributeType.INTS:
      return (a.ints ?? []).map(Number);
    default:
      return undefined;
  }
}

/** A decoded ONNX model with lookups and name-safe editing. */
export class OnnxGraph {
  readonly model: ModelProto;
  #names = new Set<string>();
  #producers?: Map<string, NodeProto>;
  #consumers?: Map<string, NodeProto[]>;
  #initializers?: Map<string, TensorProto>;

  constructor(model: ModelProto) {
    this.model = model;
    const g = model.graph!;
    g.node ??= [];
    g.initializer ??= [];
    g.input ??= [];
    g.output ??= [];
    for (const n of g.node) {
      n.input ??= [];
      n.output ??= [];
      for (const name of [...(n.input ?? []), ...(n.output ?? [])]) this.#names.add(name);
      if (n.name) this.#names.add(n.name);
    }
    for (const t of g.initializer) this.#names.add(t.name ?? "");
    for (const v of [...g.input, ...g.output, ...(g.value_info ?? [])]) {
      this.#names.add(v.name ?? "");
    }
  }

  /** Parses `.onnx` bytes. */
  static parse(bytes: Uint8Array): OnnxGraph {
    return new OnnxGraph(decodeModel(bytes));
  }

  /** Serializes the (edited) model. */
  serialize(): Uint8Array {
    return encodeModel(this.model);
  }

  /** The nodes in graph order (topological, as ONNX requires). */
  get nodes(): NodeProto[] {
    return this.model.graph!.node!;
  }

  /** Graph inputs that are not initializers. */
  get inputs(): ValueInfo[] {
    const inits = this.#initializerMap();
    return this.model.graph!.input!.filter((v) => !inits.has(v.name!));
  }

  get outputs(): ValueInfo[] {
    return this.model.graph!.output!;
  }

  /**
   * The opset version a domain is imported at.
   *
   * @param domain `""` (or `"ai.onnx"`) for the standard operators.
   * @returns The version, or 0 when the domain is not imported.
   */
  opset(domain = ""): number {
    const wanted = domain === "ai.onnx" ? "" : domain;
    const found = this.model.opset_import?.find((o) =>
      (o.domain ?? "") === wanted || (wanted === "" && o.domain === "ai.onnx")
    );
    return found ? Number(found.version) : 0;
  }

  /** The node producing a tensor, or undefined for inputs and initializers. */
  producer(name: string): NodeProto | undefined {
    if (!this.#producers) {
      this.#producers = new Map();
      for (const n of this.nodes) for (const o of n.output ?? []) if (o) this.#producers.set(o, n);
    }
    return this.#producers.get(name);
  }

  /** The nodes reading a tensor. */
  consumers(name: string): NodeProto[] {
    if (!this.#consumers) {
      this.#consumers = new Map();
      for (const n of this.nodes) {
        for (const i of n.input ?? []) {
          if (!i) continue;
          const list = this.#consumers.get(i) ?? [];
          if (!list.includes(n)) list.push(n);
          this.#consumers.set(i, list);
        }
      }
    }
    return this.#consumers.get(name) ?? [];
  }

  #initializerMap(): Map<string, TensorProto> {
    if (!this.#initializers) {
      this.#initializers = new Map(this.model.graph!.initializer!.map((t) => [t.name!, t]));
    }
    return this.#initializers;
  }

  /** The initializer of that name, if any. */
  initializer(name: string): TensorProto | undefined {
    return this.#initializerMap().get(name);
  }

  /** Nodes matching a predicate, in graph order. */
  findNodes(predicate: (node: NodeProto) => boolean): NodeProto[] {
    return this.nodes.filter(predicate);
  }

  /** Forgets the lookup tables; call after editing `nodes` or `initializer` in place. */
  invalidate(): void {
    this.#producers = undefined;
    this.#consumers = undefined;
    this.#initializers = undefined;
  }

  /** A name no tensor, node or value info uses yet, derived from `base`; it is reserved. */
  uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.#names.has(name); i++) name = `${base}_${i}`;
    this.#names.add(name);
    return name;
  }

  /**
   * Appends a node.
   *
   * @param opType Operator, e.g. `MatMul`.
   * @param inputs Input tensor names (`""` for an omitted optional input).
   * @param outputs Output names, or how many fresh names to create (prefixed by the op type).
   * @param attributes Attribute values made with {@link attr}.
   * @param options Domain and a node name base.
   * @returns The output names.
   */
  addNode(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[] | number = 1,
    attributes: Record<string, AttributeValue> = {},
    options: { domain?: string; name?: string } = {},
  ): string[] {
    const outs = typeof outputs === "number"
      ? Array.from({ length: outputs }, () => this.uniqueName(`${options.name ?? opType}_out`))
      : [...outputs];
    for (const o of outs) this.#names.add(o);
    const node: NodeProto = {
      op_type: opType,
      input: [...inputs],
      output: outs,
      name: this.uniqueName(options.name ?? `glassbox_${opType}`),
      attribute: Object.entries(attributes).map(([name, a]) => ({ name, ...a })),
    };
    if (options.domain) node.domain = options.domain;
    this.nodes.push(node);
    if (this.#producers) { for (const o of outs) this.#producers.set(o, node); }
    if (this.#consumers) {
      for (const i of inputs) {
        if (i) this.#consumers.set(i, [...(this.#consumers.get(i) ?? []), node]);
      }
    }
    return outs;
  }

  /**
   * Adds an initializer holding `data`.
   *
   * @param base Name base; the actual (unique) name is returned.
   * @param data Values.
   * @param dims Shape; `[]` for a scalar.
   * @param dataType Element type when it differs from the array's (e.g. `DataType.BOOL`).
   */
  addInitializer(
    base: string,
    data: TensorArray,
    dims: readonly number[] = [data.length],
    dataType?: number,
  ): string {
    const name = this.uniqueName(base);
    const t = makeTensor(name, data, dims, dataType);
    this.model.graph!.initializer!.push(t);
    this.#initializers?.set(name, t);
    return name;
  }

  /** Declares a graph input. `shape` entries are sizes or symbolic names. */
  addInput(name: string, elemType: number, shape: readonly (number | string)[]): void {
    this.#names.add(name);
    this.model.graph!.input!.push(valueInfo(name, elemType, shape));
  }

  /** Declares a graph output; without a type, onnxruntime infers it. */
  addOutput(name: string, elemType?: number, shape?: readonly (number | string)[]): void {
    this.model.graph!.output!.push(
      elemType === undefined ? { name } : valueInfo(name, elemType, shape),
    );
  }

  /**
   * Reads a float initializer.
   *
   * @param name Initializer name.
   * @param external External data files of the model.
   * @returns Its values and dims.
   * @throws RangeError when there is no such initializer or it is not float32.
   */
  readFloat32(
    name: string,
    external: readonly ExternalData[] = [],
  ): { data: Float32Array; dims: number[] } {
    const t = this.initializer(name);
    if (!t) {
      throw new RangeError(
        `Cannot read initializer "${name}": the graph has no initializer of that name`,
      );
    }
    if (t.data_type !== DataType.FLOAT) {
      throw new RangeError(
        `Cannot read initializer "${name}" as float32: its element type is ${t.data_type}`,
      );
    }
    return { data: readTensor(t, external) as Float32Array, dims: (t.dims ?? []).map(Number) };
  }

  /**
   * Puts the nodes back in topological order (ONNX requires it) after nodes were appended that
   * earlier nodes now read. Stable: nodes already in order keep it.
   */
  sort(): void {
    const g = this.model.graph!;
    const available = new Set<string>([
      ...g.input!.map((v) => v.name!),
      ...g.initializer!.map((t) => t.name!),
      "",
    ]);
    const pending = [...g.node!];
    const sorted: NodeProto[] = [];
    const ready = (n: NodeProto) =>
      (n.input ?? []).every((i) => available.has(i)) &&
      (n.attribute ?? []).every((a) =>
        subgraphInputs(a).every((i) => available.has(i) || !this.producer(i))
      );
    while (pending.length) {
      const before = pending.length;
      for (let i = 0; i < pending.length;) {
        const n = pending[i];
        if (ready(n)) {
          sorted.push(n);
          for (const o of n.output ?? []) available.add(o);
          pending.splice(i, 1);
        } else i++;
      }
      if (pending.length === before) {
        const n = pending[0];
        throw new Error(
          `Cannot sort the graph: node "${n.name}" (${n.op_type}) reads a tensor nothing produces`,
        );
      }
    }
    g.node = sorted;
    this.invalidate();
  }

  /** Removes nodes that no graph output depends on, and initializers and inputs nothing reads. */
  prune(): void {
    this.sort();
    const g = this.model.graph!;
    const needed = new Set(g.output!.map((o) => o.name!));
    const keep: NodeProto[] = [];
    for (let i = g.node!.length - 1; i >= 0; i--) {
      const n = g.node![i];
      if ((n.output ?? []).some((o) => needed.has(o))) {
        keep.push(n);
        for (const x of n.input ?? []) if (x) needed.add(x);
        for (const a of n.attribute ?? []) for (const name of subgraphInputs(a)) needed.add(name);
      }
    }
    g.node = keep.reverse();
    g.initializer = g.initializer!.filter((t) => needed.has(t.name!));
    g.input = g.input!.filter((v) => needed.has(v.name!));
    this.invalidate();
  }
}

/** Names an If/Loop body reads from the enclosing graph (conservatively: every input name it uses). */
function subgraphInputs(a: Attribute): string[] {
  const graphs = [...(a.g ? [a.g] : []), ...(a.graphs ?? [])];
  return graphs.flatMap((g) => (g.node ?? []).flatMap((n) => n.input ?? []));
}

/** A tensor ValueInfoProto. */
export function valueInfo(
  name: string,
  elemType: number,
  shape?: readonly (number | string)[],
): ValueInfo {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        ...(shape
          ? {
            shape: {
              dim: shape.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })),
            },
          }
          : {}),
      },
    },
  };
}
