/**
 * SmoothGrad: saliency averaged over noisy copies of the input. Gaussian noise with standard
 * deviation `noise` x (the standard deviation of the input's embedding values) is added to every
 * token's embedding, `samples` times; each token's score is the mean over samples of the L2 norm of
 * its gradient (the saliency map, smoothed as in the paper). Seeded, so a seed reproduces the scores.
 *
 * @see Smilkov, Thorat, Kim, Viégas & Wattenberg, "SmoothGrad: removing noise by adding noise", 2017.
 *   https://arxiv.org/abs/1706.03825
 * @module
 */
import { Random } from "../numerics/random.ts";
import { gradients, normPerToken, runnerFor, stddev } from "./_gradient.ts";
import { BATCH_SIZE_OPTION, NOISE_OPTION, SEED_OPTION } from "./_options.ts";
import { defineMethod } from "./define.ts";

/** The SmoothGrad method (`smoothgrad`). */
export const smoothgrad = defineMethod({
  id: "smoothgrad",
  kind: "gradient",
  description: "Saliency averaged over copies of the input embeddings with Gaussian noise added.",
  paper: "Smilkov et al. 2017",
  options: [
    {
      name: "samples",
      type: "integer",
      default: 20,
      min: 1,
      max: 1024,
      description: "Noisy copies.",
    },
    NOISE_OPTION,
    SEED_OPTION,
    BATCH_SIZE_OPTION,
  ],
  needs: { gradients: true },
  async run(ctx) {
    const { samples, noise, seed } = ctx.params;
    const runner = await runnerFor(ctx);
    const x = runner.embed(ctx.ids);
    const sigma = noise * stddev(x);
    const random = new Random(seed);
    const size = x.length;
    const embeds = new Float32Array(samples * size);
    for (let s = 0; s < samples; s++) {
      for (let j = 0; j < size; j++) embeds[s * size + j] = x[j] + sigma * random.normal();
    }
    const { grads } = await gradients(ctx, runner, embeds, samples);
    const n = ctx.ids.length;
    const scores = new Array<number>(n).fill(0);
    for (let s = 0; s < samples; s++) {
      normPerToken(grads.subarray(s * size, (s + 1) * size), n, runner.hidden).forEach((
        v,
        i,
      ) => (scores[i] += v / samples));
    }
    return { scores, diagnostics: { noiseStddev: sigma } };
  },
});
