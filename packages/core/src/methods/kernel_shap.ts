/**
 * KernelSHAP: Shapley values as the solution of a weighted linear regression over coalitions of
 * tokens. A coalition z (which non-special tokens are kept, the others removed or replaced) has
 * the value v(z) = objective of that input; the Shapley kernel weights a coalition of s of the p
 * players by (p - 1) / (C(p, s) s (p - s)), and the efficiency constraint sum(phi) = v(all) - v(none)
 * is imposed exactly by eliminating the last player. When `samples` covers all 2^p - 2 proper
 * coalitions they are all enumerated and the result equals the exact Shapley values; otherwise
 * coalitions are sampled with the kernel's distribution over sizes (each with its complement, as
 * the SHAP package does) and weighted equally. The regression runs in the wasm kernels (weighted
 * least squares through a Cholesky factorisation). Special tokens score 0.
 *
 * @see Lundberg & Lee, "A Unified Approach to Interpreting Model Predictions", NeurIPS 2017.
 * @module
 */
import type { MethodResult } from "./types.ts";
import { playersOf, scoreCoalitions, tokenScores } from "./_coalitions.ts";
import { REPLACEMENT_OPTION, SEED_OPTION } from "./_options.ts";
import { defineMethod } from "./define.ts";
import { Random } from "../numerics/random.ts";
import { getKernels } from "../kernels.ts";
import { InputError } from "../errors.ts";

/** log C(p, s). */
function logChoose(p: number, s: number): number {
  let sum = 0;
  for (let i = 1; i <= s; i++) sum += Math.log(p - s + i) - Math.log(i);
  return sum;
}

/** Every proper coalition of p players (sizes 1..p-1) with its Shapley kernel weight. */
function enumerate(p: number): { masks: Uint8Array; weights: Float64Array } {
  const count = 2 ** p - 2;
  const masks = new Uint8Array(count * p);
  const weights = new Float64Array(count);
  for (let c = 0; c < count; c++) {
    let size = 0;
    for (let j = 0; j < p; j++) size += masks[c * p + j] = ((c + 1) >> j) & 1;
    weights[c] = (p - 1) / (Math.exp(logChoose(p, size)) * size * (p - size));
  }
  return { masks, weights };
}

/**
 * `samples` coalitions (rounded up to pairs): a size s drawn with probability proportional to
 * (p - 1) / (s (p - s)), the total kernel weight of that size, then a uniform subset of that size
 * and its complement. Drawn this way every coalition's chance follows the kernel, so all weigh 1.
 */
function sample(
  p: number,
  samples: number,
  random: Random,
): { masks: Uint8Array; weights: Float64Array } {
  const sizeWeights = Array.from({ length: p - 1 }, (_, k) => 1 / ((k + 1) * (p - k - 1)));
  const total = sizeWeights.reduce((a, b) => a + b, 0);
  const pairs = Math.ceil(samples / 2);
  const masks = new Uint8Array(2 * pairs * p);
  const order = Int32Array.from({ length: p }, (_, i) => i);
  for (let c = 0; c < pairs; c++) {
    let u = random.uniform() * total;
    let size = 1;
    while (size < p - 1 && u >= sizeWeights[size - 1]) u -= sizeWeights[size++ - 1];
    // A partial Fisher-Yates shuffle picks `size` distinct players.
    for (let i = 0; i < size; i++) {
      const j = i + Math.floor(random.uniform() * (p - i));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const mask = masks.subarray(2 * c * p, (2 * c + 1) * p);
    for (let i = 0; i < size; i++) mask[order[i]] = 1;
    masks.subarray((2 * c + 1) * p, (2 * c + 2) * p).set(mask.map((bit) => 1 - bit));
  }
  return { masks, weights: new Float64Array(2 * pairs).fill(1) };
}

/** The KernelSHAP method (`kernel-shap`). */
export const kernelShap = defineMethod({
  id: "kernel-shap",
  kind: "perturbation",
  description:
    "Shapley values from a kernel-weighted regression over token coalitions (exact when all coalitions fit in the samples).",
  paper: "Lundberg & Lee 2017",
  options: [
    {
      name: "samples",
      type: "integer",
      default: 512,
      min: 2,
      max: 10000,
      description:
        "Coalitions scored; with at least 2^p - 2 for p tokens all are enumerated and the values are exact.",
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
    const exact = p < 31 && 2 ** p - 2 <= samples;
    const { masks, weights } = p === 1
      ? { masks: new Uint8Array(0), weights: new Float64Array(0) }
      : exact
      ? enumerate(p)
      : sample(p, samples, new Random(seed));
    const count = weights.length;
    // The empty and the full coalition go first: they anchor the constraint.
    const all = new Uint8Array((count + 2) * p);
    all.fill(1, p, 2 * p);
    all.set(masks, 2 * p);
    const values = await scoreCoalitions(ctx, kernelShap.id, players, all);
    const none = values[0], total = values[1] - values[0];
    if (p === 1) {
      return { scores: tokenScores(ctx, players, [total]), diagnostics: { convergenceDelta: 0 } };
    }

    // phi_last = total - sum(others): regress v(z) - v(none) - z_last total on z_j - z_last.
    const q = p - 1;
    const x = new Float64Array(count * q);
    const y = new Float64Array(count);
    for (let c = 0; c < count; c++) {
      const z = masks.subarray(c * p, (c + 1) * p);
      for (let j = 0; j < q; j++) x[c * q + j] = z[j] - z[q];
      y[c] = values[c + 2] - none - z[q] * total;
    }
    const kernels = await getKernels();
    let beta: Float64Array;
    try {
      beta = kernels.weightedLeastSquares({ x, weights, y, features: q });
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new InputError(
        `Cannot run kernel-shap: ${samples} samples do not determine the scores of ${p} tokens (the weighted system is singular); use samples >= ${
          4 * p
        }`,
      );
    }
    const phi = new Float64Array(p);
    phi.set(beta);
    phi[q] = total - beta.reduce((a, b) => a + b, 0);
    return {
      scores: tokenScores(ctx, players, phi),
      diagnostics: { convergenceDelta: phi.reduce((a, b) => a + b, 0) - total },
    };
  },
});
