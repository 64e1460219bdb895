/**
 * A probe run: the forward graph is run once on a small input with every intermediate tensor made a
 * graph output, which tells the gradient builder each tensor's element type and rank and which of its
 * dimensions are 1 (the ones broadcasting stretched). The probe input uses batch and sequence sizes
 * above 1 so that dynamic dimensions are never mistaken for broadcast ones.
 *
 * @module
 */
import type { OnnxGraph } from "../onnx/graph.ts";
import { DataType, encodeModel } from "../onnx/proto.ts";
import type { ModelSession, TensorData } from "../session.ts";
import type { TensorInfo } from "./builder.ts";

const typeIds: Record<string, number> = {
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  int32: DataType.INT32,
  int8: DataType.INT8,
  uint8: DataType.UINT8,
  bool: DataType.BOOL,
  uint64: DataType.UINT64,
  uint32: DataType.UINT32,
  int16: DataType.INT16,
  uint16: DataType.UINT16,
  string: DataType.STRING,
};

/**
 * Runs the graph with every node output exposed.
 *
 * @param graph The forward graph (not modified).
 * @param feeds Values for every graph input.
 * @param open Creates a session for serialized bytes (the model's backend).
 * @returns Type and shape of every tensor: inputs, initializers and node outputs.
 */
export async function probe(
  graph: OnnxGraph,
  feeds: Record<string, TensorData>,
  open: (bytes: Uint8Array) => Promise<ModelSession>,
): Promise<Map<string, TensorInfo>> {
  const info = new Map<string, TensorInfo>();
  const model = graph.model;
  for (const t of model.graph!.initializer!) {
    info.set(t.name!, { elemType: t.data_type ?? 0, dims: (t.dims ?? []).map(Number) });
  }
  for (const [name, t] of Object.entries(feeds)) {
    info.set(name, { elemType: typeIds[t.type], dims: [...t.dims] });
  }
  const names: string[] = [];
  for (const n of graph.nodes) for (const o of n.output ?? []) if (o && !info.has(o)) names.push(o);
  const exposed = { ...model, graph: { ...model.graph, output: names.map((name) => ({ name })) } };
  const session = await open(encodeModel(exposed));
  try {
    const results = await session.run(feeds);
    for (const [name, t] of Object.entries(results)) {
      info.set(name, { elemType: typeIds[t.type] ?? 0, dims: [...t.dims] });
    }
  } finally {
    await session.release();
  }
  return info;
}
