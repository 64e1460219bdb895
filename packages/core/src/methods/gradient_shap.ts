/**
 * GradientSHAP, as Captum computes it: for each of `samples` draws, Gaussian noise (standard
 * deviation `noise` x the standard deviation of the input's embedding values) is added to the input
 * embeddings x, a point is taken uniformly at random on the segment from the baseline x0 to that
 * noisy input, and the gradient there is multiplied by (noisy input - x0); the scores are the mean
 * over draws, summed over the hidden dimension (signed; in expectation they approximate SHAP values
 * for the baseline). The baseline follows the same rules as integrated gradients (`zero`, or
 * pad/unk/mask replacing the non-special tokens); Captum's distribution of baselines reduces to that
 * one baseline here.
 *
 * @see Lundberg & Lee, "A Unified Approach to Interpreting Model Predictions", NeurIPS 2017.
 *   https://arxiv.org/abs/1705.07874
 * @module
 */
import { Random } from "../numerics/random.ts";
import { baselineEmbeds, dotPerToken, gradients, runnerFor, stddev } from "./_gradient.ts";
import { BASELINE_OPTION, BATCH_SIZE_OPTION, NOISE_OPTION, SEED_OPTION } from "./_options.ts";
import { defineMethod } from "./define.ts";

/** The GradientSHAP method (`gradient-shap`). */
export const gradientShap = defineMethod({
  id: "gradient-shap",
  kind: "gradient",
  description:
    "Expected gradient x (input - baseline) at random points between the baseline and noisy copies of the input.",
  paper: "Lundberg & Lee 2017",
  options: [
    {
      name: "samples",
      type: "integer",
      default: 20,
      min: 1,
      max: 1024,
      description: "Random draws.",
    },
    NOISE_OPTION,
    SEED_OPTION,
    BASELINE_OPTION,
    BATCH_SIZE_OPTION,
  ],
  needs: { gradients: true },
  async run(ctx) {
    const { samples, baseline, noise, seed } = ctx.params;
    const runner = await runnerFor(ctx);
    const x = runner.embed(ctx.ids);
    const x0 = baselineEmbeds(ctx, runner, baseline, "gradient-shap");
    const sigma = noise * stddev(x);
    const random = new Random(seed);
    const size = x.length;
    const embeds = new Float32Array(samples * size);
    const deltas = new Float32Array(samples * size);
    for (let s = 0; s < samples; s++) {
      const alpha = random.uniform();
      for (let j = 0; j < size; j++) {
        const noisy = x[j] + sigma * random.normal();
        deltas[s * size + j] = noisy - x0[j];
        embeds[s * size + j] = x0[j] + alpha * (noisy - x0[j]);
      }
    }
    const { grads } = await gradients(ctx, runner, embeds, samples);
    const n = ctx.ids.length;
    const scores = new Array<number>(n).fill(0);
    for (let s = 0; s < samples; s++) {
      const range = [s * size, (s + 1) * size] as const;
      dotPerToken(grads.subarray(...range), deltas.subarray(...range), n, runner.hidden).forEach((
        v,
        i,
      ) => scores[i] += v / samples);
    }
    return { scores, diagnostics: { noiseStddev: sigma } };
  },
});
