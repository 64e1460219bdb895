/**
 * Turns a model's forward graph into its gradient graph: the graph is cut at the word-embedding
 * Gather so that it takes `inputs_embeds` [batch, seq, hidden]; a causal LM's hidden states are
 * gathered at the explained position before the LM head (the backward pass then never materialises
 * full-vocabulary logits for every position); an objective head computes, per row b,
 * J_b = f_b(target) - f_b(contrast) with f the logit, softmax probability or log-softmax; and the
 * reverse pass of {@link differentiate} appends dJ/d(inputs_embeds).
 *
 * Inputs of the built graph: `inputs_embeds`, the model's own inputs other than the ids it no longer
 * needs (fed as `feeds.ts` plans them; `input_ids` only when something besides the embedding still
 * reads it), `glassbox_target` and `glassbox_contrast` (int64
 * [batch]), `glassbox_contrast_weight` (float [batch]: 1 with a contrast, 0 without) and, for causal
 * LMs, `glassbox_position` (int64 scalar). Outputs: `glassbox_objective` [batch] and
 * `glassbox_gradient` [batch, seq, hidden].
 *
 * @module
 */
import type { OutputKind } from "../explanation.ts";
import { UnsupportedOpError } from "../errors.ts";
import { attr, OnnxGraph, valueInfo } from "../onnx/graph.ts";
import { DataType, type NodeProto, type ValueInfo } from "../onnx/proto.ts";
import type { ModelSession, TensorData, TensorType } from "../session.ts";
import { type FeedPlan, feedRows, findWordEmbedding, isConstant, planFeeds } from "../feeds.ts";
import { differentiate } from "./builder.ts";
import { Emitter } from "./emitter.ts";
import { probe } from "./probe.ts";

/** Names of the tensors the gradient graph adds. */
export const GRADIENT_IO = {
  embeds: "inputs_embeds",
  target: "glassbox_target",
  contrast: "glassbox_contrast",
  contrastWeight: "glassbox_contrast_weight",
  position: "glassbox_position",
  objective: "glassbox_objective",
  gradient: "glassbox_gradient",
} as const;

/** A built gradient graph and what its runner needs to know. */
export interface GradientGraph {
  /** The serialized graph. */
  bytes: Uint8Array;
  /** Inputs of the graph, with element types and declared shapes (symbolic dims as strings). */
  inputs: { name: string; type: TensorType; shape: (number | string)[] }[];
  /**
   * The external data file name under which the graph reads its weights from the original model
   * bytes; feed `{ path: weightsFile, data: model.onnx }` with the model's own external data.
   */
  weightsFile: string;
  /** Name of the word-embedding matrix [vocab, hidden] in the original graph. */
  embeddingName: string;
  vocabSize: number;
  hidden: number;
  /** True for models whose logits have a sequence axis (causal LMs). */
  positional: boolean;
}

const tensorTypes: Record<number, TensorType> = {
  [DataType.FLOAT]: "float32",
  [DataType.FLOAT16]: "float16",
  [DataType.INT64]: "int64",
  [DataType.INT32]: "int32",
  [DataType.BOOL]: "bool",
};

/** The word-embedding Gather to cut at; its table must hold float32 values. */
function findEmbedding(g: OnnxGraph): NodeProto {
  const embedding = findWordEmbedding(g);
  if (!embedding) {
    throw new UnsupportedOpError(
      "Gather",
      "",
      "the graph has no word-embedding Gather (a [vocab, hidden] initializer indexed by input_ids) to cut at",
    );
  }
  const { node: gather, table } = embedding;
  if (table.data_type === DataType.FLOAT16) {
    throw new UnsupportedOpError(
      "Gather",
      gather.name ?? "",
      "the model stores float16 weights; gradient methods need a float32 export",
    );
  }
  if (table.data_type !== DataType.FLOAT) {
    throw new UnsupportedOpError(
      "Gather",
      gather.name ?? "",
      "the word embeddings are not float32 (a quantized model?)",
    );
  }
  return gather;
}

function declaredShape(v: ValueInfo): (number | string)[] {
  return (v.type?.tensor_type?.shape?.dim ?? []).map((d) =>
    d.dim_value !== undefined ? Number(d.dim_value) : d.dim_param ?? "?"
  );
}

/** The external data name gradient graphs give the original model's bytes. */
export const WEIGHTS_FILE = "glassbox_model_weights.bin";

/** Initializers smaller than this stay inline. */
const INLINE_BYTES = 1024;

/**
 * Points the graph's large inline initializers at the original model bytes, as external data, so
 * that the gradient graph serializes in kilobytes and the weights are not copied into it.
 *
 * @returns The external data file name the graph now refers to.
 */
function externalizeWeights(g: OnnxGraph, onnx: Uint8Array): string {
  const file = WEIGHTS_FILE;
  for (const t of g.model.graph!.initializer!) {
    const raw = t.raw_data;
    if (!raw || raw.byteLength < INLINE_BYTES || raw.buffer !== onnx.buffer) continue;
    const offset = raw.byteOffset - onnx.byteOffset;
    if (offset < 0 || offset + raw.byteLength > onnx.byteLength) continue;
    delete t.raw_data;
    t.data_location = 1;
    t.external_data = [
      { key: "location", value: file },
      { key: "offset", value: String(offset) },
      { key: "length", value: String(raw.byteLength) },
    ];
  }
  return file;
}

/** The names the gradient graph's runner feeds itself; the rest are the model's own inputs. */
export const OWN_INPUTS: ReadonlySet<string> = new Set(Object.values(GRADIENT_IO));

/**
 * Feeds for the gradient graph's model inputs (ids, mask, token types, positions, empty past), for
 * `batch` rows of the same ids.
 *
 * @throws TypeError naming an input glassbox cannot fill.
 */
export function modelFeeds(
  plan: FeedPlan,
  batch: number,
  ids: readonly number[],
  mask?: readonly number[],
): Record<string, TensorData> {
  return feedRows(plan, {
    rows: Array.from({ length: batch }, () => ids),
    // Every row has the same length: nothing is padded.
    pad: 0,
    masks: mask && Array.from({ length: batch }, () => mask),
  });
}

/**
 * Builds the gradient graph of a model.
 *
 * @param onnx The model's graph bytes.
 * @param output The objective kind, fixed in the graph.
 * @param open Creates a session on the model's backend (used for the probe run).
 * @returns The serialized gradient graph and its interface.
 * @throws UnsupportedOpError when the graph has no embedding Gather to cut at or an op on the path
 *   cannot be differentiated.
 */
export async function buildGradientGraph(
  onnx: Uint8Array,
  output: OutputKind,
  open: (bytes: Uint8Array) => Promise<ModelSession>,
): Promise<GradientGraph> {
  const g = OnnxGraph.parse(onnx);
  const e = new Emitter(g);
  const io = GRADIENT_IO;
  const graph = g.model.graph!;

  // 1. Cut at the word-embedding Gather.
  const gather = findEmbedding(g);
  const table = g.initializer(gather.input![0])!;
  const [vocabSize, hidden] = table.dims!.map(Number);
  const cut = gather.output![0];
  graph.node = graph.node!.filter((n) => n !== gather);
  for (const n of graph.node) n.input = n.input!.map((i) => (i === cut ? io.embeds : i));
  // Shapes of the ids are the first two dims of the embeddings: then input_ids often drops out.
  for (const n of graph.node) {
    if (n.op_type === "Shape" && n.input![0] === "input_ids" && !n.attribute?.length) {
      n.input = [e.op("Shape", [io.embeds])];
      n.op_type = "Slice";
      n.input.push(e.ints([0]), e.ints([2]), e.ints([0]));
    }
  }
  g.invalidate();
  g.addInput(io.embeds, DataType.FLOAT, ["batch_size", "sequence_length", hidden]);

  // 2. The explained logits z [batch, classes | vocab].
  const logitsInfo = graph.output!.find((o) => o.name === "logits") ?? graph.output![0];
  const logits = logitsInfo.name!;
  const positional = declaredShape(logitsInfo).length === 3;
  let z = logits;
  if (positional) {
    g.addInput(io.position, DataType.INT64, []);
    const head = g.producer(logits);
    if (head?.op_type === "MatMul" && isConstant(g, head.input![1])) {
      const picked = e.op("Gather", [head.input![0], io.position], { axis: attr.int(1) });
      z = e.op("MatMul", [picked, head.input![1]]);
    } else {
      z = e.op("Gather", [logits, io.position], { axis: attr.int(1) });
    }
  }

  // 3. The objective head: w = onehot(target) - weight * onehot(contrast); J_b = sum_v w f(z).
  g.addInput(io.target, DataType.INT64, ["batch_size"]);
  g.addInput(io.contrast, DataType.INT64, ["batch_size"]);
  g.addInput(io.contrastWeight, DataType.FLOAT, ["batch_size"]);
  const depth = e.op("Slice", [e.op("Shape", [z]), e.ints([-1]), e.ints([2 ** 31]), e.ints([0])]);
  const onOff = g.addInitializer("glassbox_onehot_values", new Float32Array([0, 1]), [2]);
  const oneHot = (ids: string) => e.op("OneHot", [ids, depth, onOff], { axis: attr.int(-1) });
  const w = e.op("Sub", [
    oneHot(io.target),
    e.op("Mul", [oneHot(io.contrast), e.unsqueeze(io.contrastWeight, [1])]),
  ]);
  let f = z, seed = w;
  if (output === "log-probability") {
    f = e.op("LogSoftmax", [z], { axis: attr.int(1) });
    seed = e.op("Sub", [w, e.op("Mul", [e.op("Exp", [f]), e.reduce("ReduceSum", w, [1], true)])]);
  } else if (output === "probability") {
    f = e.op("Softmax", [z], { axis: attr.int(1) });
    seed = e.op("Mul", [
      f,
      e.op("Sub", [w, e.reduce("ReduceSum", e.op("Mul", [w, f]), [1], true)]),
    ]);
  }
  const objective = e.reduce("ReduceSum", e.op("Mul", [w, f]), [1], false);
  graph.node!.push({
    op_type: "Identity",
    input: [objective],
    output: [io.objective],
    name: g.uniqueName("glassbox_objective"),
  });
  graph.output = [{ name: io.objective }, { name: seed }];
  g.invalidate();
  g.prune();

  // 4. Probe shapes and types, then differentiate.
  const inputs = g.inputs.map((v) => ({
    name: v.name!,
    type: tensorTypes[v.type?.tensor_type?.elem_type ?? 0] ?? "float32",
    shape: declaredShape(v),
  }));
  const batch = 2, seq = 3;
  const plan = planFeeds(inputs, "the gradient graph", OWN_INPUTS);
  const probeFeeds = modelFeeds(plan, batch, Array.from({ length: seq }, (_, i) => i + 1));
  probeFeeds[io.embeds] = {
    type: "float32",
    dims: [batch, seq, hidden],
    data: Float32Array.from({ length: batch * seq * hidden }, (_, i) => Math.sin(i * 0.37)),
  };
  probeFeeds[io.target] = { type: "int64", dims: [batch], data: new BigInt64Array([0n, 1n]) };
  probeFeeds[io.contrast] = { type: "int64", dims: [batch], data: new BigInt64Array([1n, 0n]) };
  probeFeeds[io.contrastWeight] = {
    type: "float32",
    dims: [batch],
    data: new Float32Array([1, 0]),
  };
  if (positional) {
    probeFeeds[io.position] = {
      type: "int64",
      dims: [],
      data: new BigInt64Array([BigInt(seq - 1)]),
    };
  }
  for (const name of Object.keys(probeFeeds)) {
    if (!inputs.some((i) => i.name === name)) delete probeFeeds[name];
  }
  const weightsFile = externalizeWeights(g, onnx);
  const info = await probe(g, probeFeeds, (b) => open(b));
  const gradient = differentiate(g, { seeds: [{ tensor: z, grad: seed }], wrt: io.embeds, info });
  graph.node!.push({
    op_type: "Identity",
    input: [gradient],
    output: [io.gradient],
    name: g.uniqueName("glassbox_gradient"),
  });
  graph.output = [
    valueInfo(io.objective, DataType.FLOAT, ["batch_size"]),
    valueInfo(io.gradient, DataType.FLOAT, ["batch_size", "sequence_length", hidden]),
  ];
  g.prune();
  return {
    bytes: g.serialize(),
    weightsFile,
    inputs,
    embeddingName: table.name!,
    vocabSize,
    hidden,
    positional,
  };
}
