/**
 * Tensors as typed arrays: build a TensorProto from one ({@link makeTensor}) and read one back
 * ({@link readTensor}), whether its bytes are inline or in an external data file.
 *
 * @module
 */
import { DataType, type TensorProto } from "./proto.ts";

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
