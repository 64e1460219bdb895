/**
 * Shapley value sampling: each token's average marginal contribution over random orderings of the
 * tokens. For every sampled permutation the players join one at a time, starting from the input
 * with all of them removed (or replaced), and each is credited with the change in the objective it
 * causes. The estimate is unbiased, sums exactly to f(input) - f(all removed) for any number of
 * samples, and converges to the exact Shapley values as permutations are added. All coalitions of
 * all permutations are built first and scored in batches; coalitions that repeat (the empty and
 * full one always do) are scored once. Special tokens are not players and score 0.
 *
 * @see Castro, Gómez & Tejada, "Polynomial calculation of the Shapley value based on sampling",
 *   Computers & Operations Research 2009.
 * @module
 */
import type { MethodResult } from "./types.ts";
import { playersOf, scoreCoalitions, tokenScores } from "./_coalitions.ts";
import { REPLACEMENT_OPTION, SEED_OPTION } from "./_options.ts";
import { defineMethod } from "./define.ts";
import { Random } from "../numerics/random.ts";

/** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
function permutation(random: Random, n: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random.uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** The Shapley value sampling method (`shapley-sampling`). */
export const shapleySampling = defineMethod({
  id: "shapley-sampling",
  kind: "perturbation",
  description:
    "Average change in the output when a token joins the others in random orders (Shapley value estimate).",
  paper: "Castro et al. 2009",
  options: [
    {
      name: "samples",
      type: "integer",
      default: 25,
      min: 1,
      max: 2000,
      description: "Random permutations; each costs one forward pass per token.",
    },
    SEED_OPTION,
    REPLACEMENT_OPTION,
  ],
  needs: {},
  async run(ctx): Promise<MethodResult> {
    const { samples, seed } = ctx.params;
    const players = playersOf(ctx);
    const p = players.length;
    if (p === 0) return { scores: tokenScores(ctx, players, []) };
    // Permutation s contributes the p + 1 coalitions of its prefixes: masks[s][t] has the first t
    // players of the order.
    const random = new Random(seed);
    const orders = Array.from({ length: samples }, () => permutation(random, p));
    const masks = new Uint8Array(samples * (p + 1) * p);
    orders.forEach((order, s) => {
      for (let t = 1; t <= p; t++) {
        const at = (s * (p + 1) + t) * p;
        masks.set(masks.subarray(at - p, at), at);
        masks[at + order[t - 1]] = 1;
      }
    });
    const values = await scoreCoalitions(ctx, shapleySampling.id, players, masks);
    const phi = new Float64Array(p);
    orders.forEach((order, s) => {
      for (let t = 1; t <= p; t++) {
        phi[order[t - 1]] += values[s * (p + 1) + t] - values[s * (p + 1) + t - 1];
      }
    });
    for (let k = 0; k < p; k++) phi[k] /= samples;
    const total = values[p] - values[0];
    return {
      scores: tokenScores(ctx, players, phi),
      diagnostics: { convergenceDelta: phi.reduce((a, b) => a + b, 0) - total },
    };
  },
});
