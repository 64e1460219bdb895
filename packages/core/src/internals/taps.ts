/**
 * Graph taps: exported models rarely output their attention probabilities or hidden states, so glassbox
 * adds them as graph outputs. Found by structure, not by name, so they work on any export of these
 * architectures:
 * - attention: every Softmax whose output feeds a MatMul (the probabilities times the values), in graph
 *   order, one per layer, shaped [batch, heads, query, key];
 * - neurons: the input of every MLP down-projection (a MatMul by a [k, d] weight with k > d, d the
 *   embedding width), one per layer, shaped [batch, tokens, k];
 * - residual stream (pre-LayerNorm models such as GPT-2): walking back from the LM head through the
 *   final norm, the chain of residual Adds (Adds of two computed tensors) down to the embedding sum;
 *   every second one is a layer's output, and the final norm plus unembedding, cut out as a graph of
 *   its own, is the logit lens.
 *
 * @module
 */
import type { Model } from "../model.ts";
import type { ModelSession } from "../session.ts";
import { feedsFor, findWordEmbedding, isConstant } from "../feeds.ts";
import { memoDerived } from "../derived.ts";
import { OnnxGraph } from "../onnx/graph.ts";
import type { NodeProto } from "../onnx/proto.ts";
import { InputError } from "../errors.ts";

/** Tensor names of the taps in one graph. */
export interface TapNames {
  attention: string[];
  neurons: string[];
  /** Embedding output, then each layer's output (pre-LN models only; empty otherwise). */
  residual: string[];
  /** The tensor the final norm reads (the last residual), when the lens can be cut. */
  lensInput?: string;
  /** The logits output. */
  logits: string;
}

/** One run of the tapped graph on one input. */
export interface TapValues {
  /** Per layer: [heads, n, n]. */
  attention: { data: Float32Array; heads: number }[];
  /** Per layer: [n, k]. */
  neurons: { data: Float32Array; width: number }[];
  /** Per layer (embedding first): [n, d]. */
  residual: Float32Array[];
  tokens: number;
}

/** An Add of two computed tensors: a residual connection (or the embedding sum). */
function isResidualAdd(graph: OnnxGraph, node: NodeProto | undefined): boolean {
  return node?.op_type === "Add" && (node.input ?? []).length === 2 &&
    node.input!.every((i) => !isConstant(graph, i));
}

/** The embedding width d, from the word-embedding table. */
function embeddingWidth(graph: OnnxGraph): number {
  const embedding = findWordEmbedding(graph);
  if (!embedding) {
    throw new InputError(
      "Cannot tap this model: no word-embedding Gather (a [vocab, d] table indexed by input_ids) was found",
    );
  }
  return embedding.width;
}

/** Dims of a MatMul's weight operand, looking through a Transpose of an initializer. */
function weightDims(graph: OnnxGraph, name: string): number[] | undefined {
  const init = graph.initializer(name);
  if (init) return (init.dims ?? []).map(Number);
  const p = graph.producer(name);
  if (p?.op_type === "Transpose") {
    const inner = graph.initializer(p.input![0]);
    if (inner?.dims?.length === 2) return (inner.dims ?? []).map(Number).reverse();
  }
  return undefined;
}

/** Finds the taps of a graph. */
export function findTaps(graph: OnnxGraph): TapNames {
  const logits = (graph.outputs.find((o) => o.name === "logits") ?? graph.outputs[0]).name!;
  const attention = graph.findNodes((n) =>
    n.op_type === "Softmax" && graph.consumers(n.output![0]).some((c) => c.op_type === "MatMul")
  ).map((n) => n.output![0]);
  const d = embeddingWidth(graph);
  const neurons = graph.findNodes((n) => {
    if (n.op_type !== "MatMul") return false;
    const dims = weightDims(graph, n.input![1]);
    return dims?.length === 2 && dims[1] === d && dims[0] > d;
  }).map((n) => n.input![0]);

  // The final norm's input: the nearest residual Add output above the LM head.
  let lensInput: string | undefined;
  const queue = [logits];
  const seen = new Set<string>();
  for (let steps = 0; queue.length && steps < 64 && !lensInput; steps++) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const p = graph.producer(name);
    if (!p) continue;
    if (isResidualAdd(graph, p) && name !== logits) {
      lensInput = name;
      break;
    }
    for (const i of p.input ?? []) if (i && !isConstant(graph, i)) queue.push(i);
  }
  const chain: string[] = [];
  for (let cur = lensInput; cur;) {
    const p = graph.producer(cur);
    if (!isResidualAdd(graph, p)) break;
    chain.unshift(cur);
    const next = p!.input!.filter((i) => isResidualAdd(graph, graph.producer(i)));
    cur = next.length === 1 ? next[0] : undefined;
  }
  const layers = attention.length;
  const residual = chain.length === 2 * layers + 1 ? chain.filter((_, i) => i % 2 === 0) : [];
  return {
    attention,
    neurons,
    residual,
    lensInput: residual.length ? lensInput : undefined,
    logits,
  };
}

interface Tapped {
  session: ModelSession;
  names: TapNames;
}

/** The model's graph with every tap as an extra output; built once per model. */
export function tappedSession(model: Model): Promise<Tapped> {
  return memoDerived(model, "taps", async () => {
    const graph = OnnxGraph.parse(model.onnx);
    const names = findTaps(graph);
    const declared = new Set(graph.outputs.map((o) => o.name));
    for (const name of [...names.attention, ...names.neurons, ...names.residual]) {
      if (!declared.has(name)) {
        graph.addOutput(name, 1);
        declared.add(name);
      }
    }
    const session = await model.createSession(graph.serialize(), model.externalData);
    return { session, names };
  });
}

/** Runs the tapped graph on one input and splits the taps per layer. */
export async function runTaps(
  model: Model,
  ids: readonly number[],
): Promise<TapValues & { names: TapNames }> {
  const { session, names } = await tappedSession(model);
  const wanted = [...new Set([...names.attention, ...names.neurons, ...names.residual])];
  const out = await session.run(feedsFor(model, [ids]), wanted);
  const n = ids.length;
  return {
    names,
    tokens: n,
    attention: names.attention.map((t) => ({
      data: out[t].data as Float32Array,
      heads: out[t].dims[1],
    })),
    neurons: names.neurons.map((t) => ({
      data: out[t].data as Float32Array,
      width: out[t].dims[out[t].dims.length - 1],
    })),
    residual: names.residual.map((t) => out[t].data as Float32Array),
  };
}

/**
 * The logit lens graph: the model's own final norm and unembedding, reading a hidden state
 * [batch, tokens, d] instead of the last layer's output. Built once per model.
 *
 * @throws InputError when the model is not a pre-LayerNorm causal LM.
 */
export function lensSession(model: Model): Promise<ModelSession> {
  return memoDerived(model, "lens", async () => {
    const graph = OnnxGraph.parse(model.onnx);
    const names = findTaps(graph);
    if (!names.lensInput || model.task !== "text-generation") {
      throw new InputError(
        `logit-lens needs a GPT-2-style (pre-LayerNorm) causal LM; the residual stream of ${model.id} was not found`,
      );
    }
    const width = embeddingWidth(graph);
    const hidden = graph.uniqueName("glassbox_hidden");
    for (const node of graph.nodes) {
      node.input = (node.input ?? []).map((i) => (i === names.lensInput ? hidden : i));
    }
    graph.addInput(hidden, 1, ["batch", "tokens", width]);
    graph.model.graph!.output = graph.outputs.filter((o) => o.name === names.logits);
    graph.invalidate();
    graph.prune();
    return await model.createSession(graph.serialize(), model.externalData);
  });
}
