/**
 * A cheaper graph for causal LMs: the unembedding applied at one position per row instead of all of
 * them. An export computes logits [batch, tokens, vocabulary]; glassbox needs the logits of one
 * position (the next-token prediction), and the LM head is most of the work of a small model (64 x
 * 50257 multiply-adds per position for the demo GPT-2). This variant gathers each row's hidden state
 * at `glassbox_position` before the final norm, so the head runs once per row and the output is
 * [batch, 1, vocabulary]. Built once per model; models where it cannot be cut (no pre-LayerNorm
 * residual stream or word embedding found, opset below 12) keep the full graph, and so does a call
 * whose build failed for another reason (the next call builds again, as `derived.ts` says).
 *
 * @module
 */
import type { Model } from "../model.ts";
import type { ModelSession } from "../session.ts";
import { attr, OnnxGraph } from "../onnx/graph.ts";
import { DataType } from "../onnx/proto.ts";
import { memoDerived } from "../derived.ts";
import { findWordEmbedding } from "../feeds.ts";
import { findTaps } from "./taps.ts";

/** The name of the extra input: one position per row. */
export const POSITION_INPUT = "glassbox_position";

/** The position-head session, or undefined where the model keeps its full graph. */
export async function positionHeadSession(model: Model): Promise<ModelSession | undefined> {
  try {
    return await memoDerived(model, "position-head", () => build(model));
  } catch {
    // Refused by findTaps (remembered) or a transient failure (retried next call): the full graph
    // serves this call either way.
    return undefined;
  }
}

async function build(model: Model): Promise<ModelSession | undefined> {
  if (model.task !== "text-generation") return undefined;
  const graph = OnnxGraph.parse(model.onnx);
  if (graph.opset() < 12) return undefined;
  const { lensInput } = findTaps(graph);
  const width = findWordEmbedding(graph)?.width;
  if (!lensInput || !width) return undefined;
  const consumers = graph.consumers(lensInput);
  graph.addInput(POSITION_INPUT, DataType.INT64, ["batch"]);
  const indexShape = graph.addInitializer("glassbox_index_shape", new BigInt64Array([-1n, 1n]), [
    2,
  ]);
  const [index] = graph.addNode("Reshape", [POSITION_INPUT, indexShape]);
  const [picked] = graph.addNode("GatherND", [lensInput, index], 1, { batch_dims: attr.int(1) });
  const rowShape = graph.addInitializer(
    "glassbox_row_shape",
    new BigInt64Array([-1n, 1n, BigInt(width)]),
    [3],
  );
  const [row] = graph.addNode("Reshape", [picked, rowShape]);
  for (const node of consumers) node.input = node.input!.map((i) => (i === lensInput ? row : i));
  graph.invalidate();
  graph.sort();
  graph.prune();
  return await model.createSession(graph.serialize(), model.externalData);
}
