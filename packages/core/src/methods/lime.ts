/**
 * LIME: a local linear surrogate. As LIME's text explainer does, each perturbed sample keeps a
 * random subset of the non-special tokens (the number removed uniform in 1..p, the first sample is
 * the unperturbed input), is weighted by an exponential kernel of its cosine distance to the input,
 * exp(-d^2 / (2 width^2)) (LIME's default: width 25 on distances times 100, i.e. 0.25 here), and a
 * ridge regression (penalty `alpha`, intercept not penalised) of the objective on the kept-token
 * indicators gives one coefficient per token. LIME then keeps the largest few; glassbox returns all.
 * The regression runs in the wasm kernels. Special tokens score 0.
 *
 * @see Ribeiro, Singh & Guestrin, "'Why Should I Trust You?': Explaining the Predictions of Any
 *   Classifier", KDD 2016.
 * @module
 */
import type { MethodResult } from "./types.ts";
import { playersOf, scoreCoalitions, tokenScores } from "./_coalitions.ts";
import { REPLACEMENT_OPTION, SEED_OPTION } from "./_options.ts";
import { defineMethod } from "./define.ts";
import { Random } from "../numerics/random.ts";
import { getKernels } from "../kernels.ts";

/**
 * LIME's sample weight for keeping `kept` of `p` tokens: the cosine distance to the all-kept
 * vector is 1 - sqrt(kept / p) (1 when nothing is kept), weighted by exp(-d^2 / (2 width^2)).
 */
export function limeWeight(kept: number, p: number, width: number): number {
  const distance = 1 - Math.sqrt(kept / p);
  return Math.exp(-(distance * distance) / (2 * width * width));
}

/**
 * LIME's perturbations of p tokens: `samples` masks of p bytes (1 = kept), the first keeping all,
 * each other one removing a uniform number in 1..p of uniformly chosen tokens.
 */
export function limeSamples(p: number, samples: number, seed: number): Uint8Array {
  const random = new Random(seed);
  const masks = new Uint8Array(samples * p).fill(1);
  const order = Int32Array.from({ length: p }, (_, i) => i);
  for (let s = 1; s < samples; s++) {
    const removed = 1 + Math.floor(random.uniform() * p);
    const mask = masks.subarray(s * p, (s + 1) * p);
    for (let i = 0; i < removed; i++) {
      const j = i + Math.floor(random.uniform() * (p - i));
      [order[i], order[j]] = [order[j], order[i]];
      mask[order[i]] = 0;
    }
  }
  return masks;
}

/** The LIME method (`lime`). */
export const lime = defineMethod({
  id: "lime",
  kind: "perturbation",
  description:
    "Coefficients of a locally weighted ridge regression of the output on which tokens are kept.",
  paper: "Ribeiro et al. 2016",
  options: [
    {
      name: "samples",
      type: "integer",
      default: 500,
      min: 2,
      max: 10000,
      description: "Perturbed inputs, the unperturbed one included.",
    },
    SEED_OPTION,
    REPLACEMENT_OPTION,
    {
      name: "kernelWidth",
      type: "number",
      default: 0.25,
      min: 0.001,
      max: 100,
      description:
        "Width of the exponential kernel on cosine distance (LIME's 25 on distance x 100).",
    },
    {
      name: "alpha",
      type: "number",
      default: 1,
      min: 0,
      max: 1e6,
      description: "Ridge penalty on the coefficients (LIME's default 1).",
    },
  ],
  needs: {},
  async run(ctx): Promise<MethodResult> {
    const { samples, kernelWidth: width, seed, alpha } = ctx.params;
    const players = playersOf(ctx);
    const p = players.length;
    if (p === 0) return { scores: tokenScores(ctx, players, []) };
    const masks = limeSamples(p, samples, seed);
    const y = await scoreCoalitions(ctx, lime.id, players, masks);
    const weights = new Float64Array(samples);
    for (let s = 0; s < samples; s++) {
      let kept = 0;
      for (let j = 0; j < p; j++) kept += masks[s * p + j];
      weights[s] = limeWeight(kept, p, width);
    }
    // An unpenalised intercept: centre x and y on their weighted means, then fit without one.
    const sumW = weights.reduce((a, b) => a + b, 0);
    const meanX = new Float64Array(p);
    let meanY = 0;
    for (let s = 0; s < samples; s++) {
      for (let j = 0; j < p; j++) meanX[j] += weights[s] * masks[s * p + j] / sumW;
      meanY += weights[s] * y[s] / sumW;
    }
    const x = Float64Array.from(masks, (bit, i) => bit - meanX[i % p]);
    const centred = y.map((v) => v - meanY);
    const kernels = await getKernels();
    const beta = kernels.weightedLeastSquares({
      x,
      weights,
      y: centred,
      features: p,
      // With alpha = 0 a token kept (or removed) in every sample leaves the system singular; a
      // penalty far below the data's scale keeps it solvable without changing the others.
      lambda: Math.max(alpha, 1e-10 * sumW),
    });
    return { scores: tokenScores(ctx, players, beta) };
  },
});
