/**
 * Integrated gradients: the path integral of the gradient along the straight line from a baseline
 * x0 to the input x in word-embedding space, times (x - x0), summed over the hidden dimension:
 *
 *     score_i = sum_d (x - x0)[i, d] * sum_k w_k * dJ/dx[i, d] at x0 + alpha_k (x - x0)
 *
 * with the points alpha_k and weights w_k of the chosen quadrature (numerics/integration.ts). The
 * scores add up to J(x) - J(x0) when the integral is exact (completeness); the gap is reported as
 * `diagnostics.convergenceDelta` = sum(scores) - (J(x) - J(x0)).
 *
 * Baselines: `zero` interpolates every position, special tokens included, from the zero vector
 * (Captum's LayerIntegratedGradients on the embedding layer); `pad`, `unk` and `mask` replace every
 * non-special token by that token's embedding while special tokens keep theirs (so [CLS], [SEP] and
 * <|endoftext|> contribute nothing).
 *
 * Adaptive mode (`steps: "auto"`): runs 8, 16, 32, ... up to 512 points and stops at the first count
 * whose gap is small enough: |delta| <= tolerance * |J(x) - J(x0)|, or |delta| <= 1e-6 (the float32
 * noise floor, for objectives that barely move). Each count is a fresh quadrature (Gauss-Legendre
 * points do not nest), so the work is at most twice that of the final count; J(x) and J(x0) are
 * computed once. `diagnostics.steps` is the count used, `diagnostics.stepsTried` every count run.
 *
 * @see Sundararajan, Taly & Yan, "Axiomatic Attribution for Deep Networks", ICML 2017.
 *   https://arxiv.org/abs/1703.01365
 * @module
 */
import {
  INTEGRATION_RULES,
  integrationPoints,
  type IntegrationRule,
} from "../numerics/integration.ts";
import type { GradientRunner } from "../gradients/runner.ts";
import { baselineEmbeds, dotPerToken, gradients, runnerFor } from "./_gradient.ts";
import { BASELINE_OPTION, BATCH_SIZE_OPTION } from "./_options.ts";
import { defineMethod } from "./define.ts";
import type { MethodContext } from "./types.ts";

/** Point counts adaptive mode tries, in order. */
export const AUTO_STEPS = [8, 16, 32, 64, 128, 256, 512] as const;

/** Below this |delta| adaptive mode stops whatever the tolerance (float32 rounding of J). */
const NOISE_FLOOR = 1e-6;

interface Pass {
  scores: number[];
  delta: number;
  fx: number;
  fx0: number;
}

async function integrate(
  ctx: MethodContext,
  runner: GradientRunner,
  x: Float32Array,
  x0: Float32Array,
  rule: IntegrationRule,
  steps: number,
  ends: { fx: number; fx0: number } | undefined,
  progress: { done: number; total: number },
): Promise<Pass> {
  const { alphas, weights } = integrationPoints(rule, steps);
  const size = x.length;
  const rows = steps + (ends ? 0 : 2);
  const embeds = new Float32Array(rows * size);
  for (let k = 0; k < steps; k++) {
    const a = alphas[k], offset = k * size;
    for (let j = 0; j < size; j++) embeds[offset + j] = x0[j] + a * (x[j] - x0[j]);
  }
  if (!ends) {
    embeds.set(x, steps * size);
    embeds.set(x0, (steps + 1) * size);
  }
  const { grads, objective } = await gradients(ctx, runner, embeds, rows, progress);
  const path = new Float64Array(size), diff = new Float64Array(size);
  for (let k = 0; k < steps; k++) {
    const w = weights[k], offset = k * size;
    for (let j = 0; j < size; j++) path[j] += w * grads[offset + j];
  }
  for (let j = 0; j < size; j++) diff[j] = x[j] - x0[j];
  const scores = dotPerToken(path, diff, ctx.ids.length, runner.hidden);
  const { fx, fx0 } = ends ?? { fx: objective[steps], fx0: objective[steps + 1] };
  const delta = scores.reduce((a, b) => a + b, 0) - (fx - fx0);
  return { scores, delta, fx, fx0 };
}

/** The integrated gradients method (`integrated-gradients`). */
export const integratedGradients = defineMethod({
  id: "integrated-gradients",
  kind: "gradient",
  description:
    "Gradients integrated along the straight path from a baseline to the input embeddings, times their difference.",
  paper: "Sundararajan et al. 2017",
  options: [
    {
      name: "steps",
      type: "integer",
      default: 50,
      min: 1,
      max: 1024,
      alsoAccepts: ["auto"],
      description: `Integration points; auto raises them (${
        AUTO_STEPS.join(", ")
      }) until the completeness gap is within tolerance.`,
    },
    {
      name: "integration",
      type: "string",
      default: "gauss-legendre",
      values: INTEGRATION_RULES,
      description: "Quadrature rule on [0, 1], as in Captum.",
    },
    BASELINE_OPTION,
    BATCH_SIZE_OPTION,
    {
      name: "tolerance",
      type: "number",
      default: 0.01,
      min: 0,
      max: 1,
      description: "With steps auto: stop once |delta| <= tolerance * |f(input) - f(baseline)|.",
    },
  ],
  needs: { gradients: true },
  async run(ctx) {
    const { integration: rule, steps, tolerance, baseline } = ctx.params;
    const runner = await runnerFor(ctx);
    const x = runner.embed(ctx.ids);
    const x0 = baselineEmbeds(ctx, runner, baseline, "integrated-gradients");
    if (steps !== "auto") {
      const pass = await integrate(ctx, runner, x, x0, rule, steps, undefined, {
        done: 0,
        total: steps + 2,
      });
      return { scores: pass.scores, diagnostics: { convergenceDelta: pass.delta, steps } };
    }
    const tried: number[] = [];
    const progress = { done: 0, total: AUTO_STEPS[0] + 2 };
    let pass: Pass | undefined;
    for (const count of AUTO_STEPS) {
      progress.total = progress.done + count + (pass ? 0 : 2);
      pass = await integrate(ctx, runner, x, x0, rule, count, pass, progress);
      tried.push(count);
      if (Math.abs(pass.delta) <= Math.max(tolerance * Math.abs(pass.fx - pass.fx0), NOISE_FLOOR)) {
        break;
      }
    }
    return {
      scores: pass!.scores,
      diagnostics: {
        convergenceDelta: pass!.delta,
        steps: tried[tried.length - 1],
        stepsTried: tried,
        converged: Math.abs(pass!.delta) <=
          Math.max(tolerance * Math.abs(pass!.fx - pass!.fx0), NOISE_FLOOR),
      },
    };
  },
});
