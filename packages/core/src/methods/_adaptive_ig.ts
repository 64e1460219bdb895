/**
 * Integrated gradients with `steps: "auto"`: the path integral by nested Clenshaw-Curtis rules
 * (numerics/nested.ts) on 5, 9, 17 and 33 points, which include both ends of the path. The
 * rows at the baseline (alpha = 0) and the input (alpha = 1) give f(baseline) and f(input) and
 * their gradients count towards the integral, and every refinement adds only the new points, so a
 * run that stops at P points costs P model rows, against 52 for the fixed default (50 points plus
 * the two ends). It starts with the 5-point rule (one model call; its 3-point subset gives the
 * first error estimate) and stops at the first rule whose completeness gap is within
 * tolerance, |sum(scores) - (f(x) - f(x0))| <= tolerance * |f(x) - f(x0)| (or under the float32
 * noise floor); the cap of 33 points keeps it under the fixed default's cost whatever happens.
 * `diagnostics.errorEstimate` is sum_i |S_i - S'_i| between the last rule's scores S and the
 * coarser rule's S': an estimate of the coarser rule's per-token error (so a cautious one for the
 * last), which the completeness gap alone cannot show when token errors cancel.
 *
 * @module
 */
import type { GradientRunner } from "../gradients/runner.ts";
import { integrateNested, type NestedRule } from "../numerics/nested.ts";
import { dotPerToken, gradients } from "./_gradient.ts";
import type { BATCH_SIZE_OPTION } from "./_options.ts";
import type { MethodContext, MethodResult, OptionValue } from "./types.ts";

/** Rows the fixed default costs: 50 points plus the input and the baseline. */
export const AUTO_MAX_POINTS = 52;

/** Below this |delta| adaptive mode stops whatever the tolerance (float32 rounding of f). */
const NOISE_FLOOR = 1e-6;

/**
 * Adaptive integrated gradients from x0 to x (embeddings of ctx.ids).
 *
 * @param tolerance Relative completeness gap to stop at, in [0, 1].
 */
export async function adaptiveIntegratedGradients(
  ctx: MethodContext<{ readonly batchSize?: OptionValue<typeof BATCH_SIZE_OPTION> }>,
  runner: GradientRunner,
  x: Float32Array,
  x0: Float32Array,
  tolerance: number,
): Promise<MethodResult> {
  const size = x.length;
  const diff = new Float32Array(size);
  for (let j = 0; j < size; j++) diff[j] = x[j] - x0[j];
  const progress = { done: 0, total: 0 };
  let fx = 0, fx0 = 0;
  const evaluate = async (alphas: Float64Array) => {
    const embeds = new Float32Array(alphas.length * size);
    alphas.forEach((a, k) => {
      for (let j = 0; j < size; j++) embeds[k * size + j] = x0[j] + a * diff[j];
    });
    progress.total = progress.done + alphas.length;
    const { grads, objective } = await gradients(ctx, runner, embeds, alphas.length, progress);
    // The first rule's points start at the baseline (alpha 0) and end at the input (alpha 1).
    if (alphas[0] === 0) [fx0, fx] = [objective[0], objective[alphas.length - 1]];
    return Array.from(alphas, (_, k) =>
      Float64Array.from(
        dotPerToken(grads.subarray(k * size, (k + 1) * size), diff, ctx.ids.length, runner.hidden),
      ));
  };
  const gap = (rule: NestedRule) => rule.integral.reduce((s, v) => s + v, 0) - (fx - fx0);
  const within = (rule: NestedRule) =>
    Math.abs(gap(rule)) <= Math.max(tolerance * Math.abs(fx - fx0), NOISE_FLOOR);
  const { rules, accepted } = await integrateNested(
    evaluate,
    within,
    AUTO_MAX_POINTS,
    5,
  );
  const last = rules[rules.length - 1];
  return {
    scores: Array.from(last.integral),
    diagnostics: {
      convergenceDelta: gap(last),
      steps: last.points,
      stepsTried: rules.map((r) => r.points),
      converged: accepted,
      integration: "clenshaw-curtis",
      errorEstimate: last.change,
    },
  };
}
