/**
 * The logit lens: each layer's residual stream passed through the model's own final LayerNorm and
 * unembedding, giving what the model would predict if it stopped at that layer. `views.logitLens` has
 * the top-k tokens per layer (0 = the embeddings) and position, and the target's probability per
 * layer at the explained position. A token's score is the target's probability under the last
 * layer's lens at that token's position: how strongly each position already predicts the target.
 * For GPT-2-style (pre-LayerNorm) causal LMs.
 *
 * @see nostalgebraist, "interpreting GPT: the logit lens", 2020.
 * @module
 */
import type { MethodResult } from "./types.ts";
import { defineMethod } from "./define.ts";
import { lensSession, runTaps } from "../internals/taps.ts";
import { getKernels } from "../kernels.ts";
import { labelOf } from "../predict.ts";

/** The logit lens view. */
export interface LogitLensView {
  layers: {
    layer: number;
    positions: { position: number; top: { id: number; label: string; probability: number }[] }[];
    /** The target's probability at the explained position. */
    targetProbability: number;
  }[];
}

/** The logit-lens method. */
export const logitLens = defineMethod({
  id: "logit-lens",
  kind: "internals",
  description:
    "Each layer's residual stream through the final norm and unembedding: top tokens per layer and position.",
  paper: "nostalgebraist 2020",
  options: [{
    name: "topK",
    type: "integer",
    default: 5,
    min: 1,
    max: 20,
    description: "Tokens listed per layer and position.",
  }],
  needs: { hiddenStates: true, tasks: ["text-generation"] },
  async run(ctx): Promise<MethodResult> {
    const lens = await lensSession(ctx.model);
    const taps = await runTaps(ctx.model, ctx.ids);
    ctx.counters.forward += 1;
    const kernels = await getKernels();
    const n = taps.tokens, k = ctx.params.topK;
    const { targetId, position } = ctx.objective;
    const layers: LogitLensView["layers"] = [];
    let scores: number[] = [];
    for (const [l, hidden] of taps.residual.entries()) {
      ctx.progress(l, taps.residual.length);
      const d = hidden.length / n;
      const input = lens.inputs[0].name;
      const out = await lens.run({ [input]: { type: "float32", data: hidden, dims: [1, n, d] } });
      ctx.counters.forward += 1;
      const logits = Object.values(out)[0].data as Float32Array;
      const vocab = logits.length / n;
      const probabilities = kernels.softmax(logits, vocab);
      const top = kernels.topK(probabilities, vocab, k);
      layers.push({
        layer: l,
        positions: Array.from({ length: n }, (_, i) => ({
          position: i,
          top: Array.from({ length: k }, (_, j) => {
            const id = top.indices[i * k + j];
            return {
              id,
              label: labelOf(ctx.model, id),
              probability: probabilities[i * vocab + id],
            };
          }),
        })),
        targetProbability: probabilities[position * vocab + targetId],
      });
      scores = Array.from({ length: n }, (_, i) => probabilities[i * vocab + targetId]);
    }
    return { scores, views: { logitLens: { layers } satisfies LogitLensView } };
  },
});
