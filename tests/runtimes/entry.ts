/**
 * The same predictions, computed by the core bundle in whatever runtime loads this file (Node, a
 * browser page); the Deno side of the comparison imports core directly.
 */
import { explain, loadModel, predict, setOnnxWasmPaths } from "@glassbox/core";

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

/** The gradient methods, with small step and sample counts so three runtimes stay quick. */
export const GRADIENT_RUNS: [string, Record<string, unknown>][] = [
  ["saliency", {}],
  ["gradient-x-input", {}],
  ["integrated-gradients", { steps: 8 }],
  ["smoothgrad", { samples: 4 }],
  ["gradient-shap", { samples: 4 }],
];

/** Scores of every gradient method on one text. */
export async function explainAll(base: string, text: string, wasmPrefix?: string) {
  if (wasmPrefix) setOnnxWasmPaths(wasmPrefix);
  const model = await loadModel(base);
  const out: Record<string, number[]> = {};
  for (const [method, params] of GRADIENT_RUNS) {
    out[method] = (await explain(model, text, { method, params })).scores;
  }
  await model.release();
  return out;
}
