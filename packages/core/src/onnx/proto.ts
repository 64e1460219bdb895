/**
 * The ONNX protobuf codec: the subset of `onnx.proto` glassbox reads and writes (its reflection JSON
 * is in `schema.ts`), with {@link decodeModel} and {@link encodeModel}. Messages become plain
 * objects (snake_case fields as in `onnx.proto`); 64-bit integers become `number` when they are safe
 * integers and `bigint` otherwise (`INT64_MAX` in Slice ends must survive a round trip). Byte fields
 * such as `raw_data` stay views into the decoded buffer: a 500 MB model is not copied to be edited.
 *
 * @module
 */
import protobuf from "protobufjs";
import { ONNX_SCHEMA } from "./schema.ts";

/** A 64-bit integer field. */
export type Int64 = number | bigint;

/** `TensorProto.DataType`. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

/** `AttributeProto.AttributeType`. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

/** `StringStringEntryProto`. */
export interface StringStringEntry {
  key?: string;
  value?: string;
}

/** `TensorProto`. */
export interface TensorProto {
  dims?: Int64[];
  data_type?: number;
  float_data?: number[];
  int32_data?: number[];
  string_data?: Uint8Array[];
  int64_data?: Int64[];
  name?: string;
  doc_string?: string;
  raw_data?: Uint8Array;
  external_data?: StringStringEntry[];
  data_location?: number;
  double_data?: number[];
  uint64_data?: Int64[];
}

/** `TensorShapeProto.Dimension`. */
export interface Dimension {
  dim_value?: Int64;
  dim_param?: string;
  denotation?: string;
}

/** `TypeProto` (tensor types only; other kinds pass through as decoded). */
export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: { dim?: Dimension[] } };
  denotation?: string;
  [other: string]: unknown;
}

/** `ValueInfoProto`. */
export interface ValueInfo {
  name?: string;
  type?: TypeProto;
  doc_string?: string;
}

/** `AttributeProto`. */
export interface Attribute {
  name?: string;
  ref_attr_name?: string;
  doc_string?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  tp?: TypeProto;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  type_protos?: TypeProto[];
}

/** `NodeProto`. */
export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: Attribute[];
  doc_string?: string;
}

/** `GraphProto`. */
export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  doc_string?: string;
  input?: ValueInfo[];
  output?: ValueInfo[];
  value_info?: ValueInfo[];
}

/** `OperatorSetIdProto`. */
export interface OperatorSetId {
  domain?: string;
  version?: Int64;
}

/** `FunctionProto` (model-local functions, kept so that nodes calling them survive a round trip). */
export interface FunctionProto {
  name?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  attribute_proto?: Attribute[];
  node?: NodeProto[];
  doc_string?: string;
  opset_import?: OperatorSetId[];
  domain?: string;
}

/** `ModelProto`. */
export interface ModelProto {
  ir_version?: Int64;
  opset_import?: OperatorSetId[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: Int64;
  doc_string?: string;
  graph?: GraphProto;
  metadata_props?: StringStringEntry[];
  functions?: FunctionProto[];
}

const root = protobuf.Root.fromJSON(ONNX_SCHEMA);
const ModelType = root.lookupType("onnx.ModelProto");
const Long = protobuf.util.Long as unknown as { isLong(value: unknown): boolean } | null;

function isView(value: unknown): boolean {
  return ArrayBuffer.isView(value);
}

/** Replaces protobufjs Long objects by numbers (or bigints beyond 2^53), in place. */
function fromLongs(value: unknown): unknown {
  if (value === null || typeof value !== "object" || isView(value)) return value;
  if (Long && Long.isLong(value)) {
    const long = value as { toNumber(): number; toString(): string };
    const n = long.toNumber();
    return Number.isSafeInteger(n) ? n : BigInt(long.toString());
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = fromLongs(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = fromLongs(record[key]);
  return record;
}

/** A copy of the tree with bigints written as decimal strings, the form protobufjs encodes as int64. */
function toLongs(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object" || isView(value)) return value;
  if (Array.isArray(value)) {
    return value.some((v) => typeof v === "bigint" || (v && typeof v === "object"))
      ? value.map(toLongs)
      : value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = toLongs(v);
  return out;
}

/**
 * Parses a serialized ONNX ModelProto.
 *
 * @param bytes The `.onnx` file contents.
 * @returns The model as a plain object; byte fields are views into `bytes`.
 * @throws TypeError when the bytes are not a ModelProto.
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  let message: protobuf.Message;
  try {
    message = ModelType.decode(bytes);
  } catch (cause) {
    throw new TypeError(`Cannot parse ONNX model: ${(cause as Error).message}`, { cause });
  }
  const object = ModelType.toObject(message, { arrays: false, defaults: false, enums: Number });
  const model = fromLongs(object) as ModelProto;
  if (!model.graph) throw new TypeError("Cannot parse ONNX model: it has no graph");
  return model;
}

/**
 * Serializes a ModelProto.
 *
 * @param model A model as {@link decodeModel} returns it, possibly edited.
 * @returns The `.onnx` bytes.
 */
export function encodeModel(model: ModelProto): Uint8Array {
  const out = ModelType.encode(toLongs(model) as Record<string, unknown>).finish();
  // protobufjs hands out a Node Buffer where one exists; callers get a plain Uint8Array everywhere.
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
