/**
 * The same predictions, computed by the core bundle in whatever runtime loads this file (Node, a
 * browser page); the Deno side of the comparison imports core directly.
 */
import { loadModel, predict, setOnnxWasmPaths } from "../../packages/core/mod.ts";

/** Top-5 predictions (ids and logits) for each text. */
export async function predictAll(base: string, texts: string[], wasmPrefix?: string) {
  if (wasmPrefix) setOnnxWasmPaths(wasmPrefix);
  const model = await loadModel(base);
  const out = [];
  for (const text of texts) {
    const { predictions, tokens } = await predict(model, text, { topK: 5 });
    out.push({
      tokens: tokens.map((t) => [t.id, t.start, t.end]),
      predictions: predictions.map((p) => [p.id, p.logit, p.probability]),
    });
  }
  await model.release();
  return out;
}
