/**
 * Graph editing over a decoded ONNX model: look nodes and tensors up, add nodes, initializers, inputs
 * and outputs under names that cannot collide, read tensors (inline or external data) as typed arrays,
 * and find the opset a node is interpreted under. The gradient builder and the attention and neuron
 * taps share it.
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

/** An external data file a graph refers to, as `Model.externalData` holds them. */
export interface ExternalData {
  path: string;
  data: Uint8Array;
}

/** The typed arrays {@link readTensor} returns, by ONNX element type. */
export type TensorArray =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array;

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

const bytesPer: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.DOUBLE]: 8,
  [DataType.INT64]: 8,
  [DataType.UINT64]: 8,
  [DataType.INT32]: 4,
  [DataType.UINT32]: 4,
  [DataType.INT16]: 2,
  [DataType.UINT16]: 2,
  [DataType.FLOAT16]: 2,
  [DataType.BFLOAT16]: 2,
  [DataType.INT8]: 1,
  [DataType.UINT8]: 1,
  [DataType.BOOL]: 1,
};

/** The ONNX element type of a typed array. */
function dataTypeOf(data: TensorArray): number {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof Float64Array) return DataType.DOUBLE;
  if (data instanceof BigInt64Array) return DataType.INT64;
  if (data instanceof Int32Array) return DataType.INT32;
  if (data instanceof Int8Array) return DataType.INT8;
  if (data instanceof Int16Array) return DataType.INT16;
  if (data instanceof Uint16Array) return DataType.UINT16;
  return DataType.UINT8;
}

/**
 * Builds a TensorProto holding `data` as little-endian `raw_data`.
 *
 * @param name Tensor name.
 * @param data Values; a Uint8Array is stored as BOOL when `dataType` says so.
 * @param dims Shape (defaults to a vector of `data.length`).
 * @param dataType Overrides the element type inferred from the array (e.g. `DataType.BOOL`).
 */
export function makeTensor(
  name: string,
  data: TensorArray,
  dims: readonly number[] = [data.length],
  dataType: number = dataTypeOf(data),
): TensorProto {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new RangeError(
      `Cannot make tensor "${name}": dims [${dims}] hold ${size} values, data has ${data.length}`,
    );
  }
  return {
    name,
    dims: [...dims],
    data_type: dataType,
    raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function entry(t: TensorProto, key: string): string | undefined {
  return t.external_data?.find((e) => e.key === key)?.value;
}

/** The bytes of a tensor stored in raw_data or in an external file. */
function rawBytes(t: TensorProto, external: readonly ExternalData[]): Uint8Array | undefined {
  if (t.data_location === 1) {
    const location = entry(t, "location");
    const file = external.find((e) => e.path === location || e.path.endsWith(`/${location}`));
    if (!file) {
      throw new RangeError(
        `Cannot read tensor "${t.name}": its external data file "${location}" was not given`,
      );
    }
    const offset = Number(entry(t, "offset") ?? 0);
    const length = entry(t, "length");
    return file.data.subarray(offset, length === undefined ? undefined : offset + Number(length));
  }
  return t.raw_data;
}

/**
 * Reads a tensor's values.
 *
 * @param t The tensor.
 * @param external External data files, for tensors stored outside the graph.
 * @returns A typed array matching the element type (FLOAT16 and BFLOAT16 as raw Uint16Array, BOOL as
 *   Uint8Array). It may share memory with the model when the bytes are aligned: do not write to it.
 * @throws RangeError for element types glassbox does not read (strings, complex).
 */
export function readTensor(t: TensorProto, external: readonly ExternalData[] = []): TensorArray {
  const type = t.data_type ?? 0;
  const size = (t.dims ?? []).reduce<number>((a, b) => a * Number(b), 1);
  const width = bytesPer[type];
  if (!width) {
    throw new RangeError(`Cannot read tensor "${t.name}": element type ${type} is not supported`);
  }
  const raw = rawBytes(t, external);
  const view = <T>(make: new (b: ArrayBuffer, o: number, n: number) => T): T => {
    let bytes = raw!;
    // Node Buffers' slice() is a view: copy through Uint8Array to get an aligned buffer.
    if (bytes.byteOffset % width !== 0) bytes = Uint8Array.prototype.slice.call(bytes);
    return new make(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / width);
  };
  if (raw && raw.byteLength > 0) {
    switch (type) {
      case DataType.FLOAT:
        return view(Float32Array);
      case DataType.DOUBLE:
        return view(Float64Array);
      case DataType.INT64:
      case DataType.UINT64:
        return view(BigInt64Array);
      case DataType.INT32:
      case DataType.UINT32:
        return view(Int32Array);
      case DataType.INT16:
        return view(Int16Array);
      case DataType.UINT16:
      case DataType.FLOAT16:
      case DataType.BFLOAT16:
        return view(Uint16Array);
      case DataType.INT8:
        return view(Int8Array);
      default:
        return view(Uint8Array);
    }
  }
  switch (type) {
    case DataType.FLOAT:
      return Float32Array.from(t.float_data ?? new Array(size).fill(0));
    case DataType.DOUBLE:
      return Float64Array.from(t.double_data ?? new Array(size).fill(0));
    case DataType.INT64:
      return BigInt64Array.from((t.int64_data ?? new Array(size).fill(0)).map((v) => BigInt(v)));
    case DataType.UINT64:
      return BigInt64Array.from((t.uint64_data ?? new Array(size).fill(0)).map((v) => BigInt(v)));
    case DataType.INT32:
      return Int32Array.from(t.int32_data ?? new Array(size).fill(0));
    case DataType.INT8:
      return Int8Array.from(t.int32_data ?? new Array(size).fill(0));
    case DataType.INT16:
      return Int16Array.from(t.int32_data ?? new Array(size).fill(0));
    case DataType.UINT16:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return Uint16Array.from(t.int32_data ?? new Array(size).fill(0));
    default:
      return Uint8Array.from(t.int32_data ?? new Array(size).fill(0));
  }
}

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
