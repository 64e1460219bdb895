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
 * Adaptive mode (`steps: "auto"`, _adaptive_ig.ts): nested Clenshaw-Curtis rules of 3 to 33 points
 * that reuse every point, stopping once |delta| <= tolerance * |J(x) - J(x0)|; never more model
 * rows than the fixed default's 52. The `integration` option does not apply to it.
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
import { adaptiveIntegratedGradients } from "./_adaptive_ig.ts";
import { baselineEmbeds, dotPerToken, gradients, runnerFor } from "./_gradient.ts";
import { BASELINE_OPTION, BATCH_SIZE_OPTION } from "./_options.ts";
import { defineMethod } from "./define.ts";
import type { MethodContext } from "./types.ts";

interface Pass {
  scores: number[];
  delta: number;
}

async function integrate(
  ctx: MethodContext,
  runner: GradientRunner,
  x: Float32Array,
  x0: Float32Array,
  rule: IntegrationRule,
  steps: number,
): Promise<Pass> {
  const { alphas, weights } = integrationPoints(rule, steps);
  const size = x.length;
  const rows = steps + 2;
  const embeds = new Float32Array(rows * size);
  for (let k = 0; k < steps; k++) {
    const a = alphas[k], offset = k * size;
    for (let j = 0; j < size; j++) embeds[offset + j] = x0[j] + a * (x[j] - x0[j]);
  }
  embeds.set(x, steps * size);
  embeds.set(x0, (steps + 1) * size);
  const progress = { done: 0, total: rows };
  const { grads, objective } = await gradients(ctx, runner, embeds, rows, progress);
  const path = new Float64Array(size), diff = new Float64Array(size);
  for (let k = 0; k < steps; k++) {
    const w = weights[k], offset = k * size;
    for (let j = 0; j < size; j++) path[j] += w * grads[offset + j];
  }
  for (let j = 0; j < size; j++) diff[j] = x[j] - x0[j];
  const scores = dotPerToken(path, diff, ctx.ids.length, runner.hidden);
  const delta = scores.reduce((a, b) => a + b, 0) - (objective[steps] - objective[steps + 1]);
  return { scores, delta };
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
      description:
        "Integration points; auto uses nested Clenshaw-Curtis rules (3 to 33 points, never more model runs than the default) until the completeness gap is within tolerance.",
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
    if (steps === "auto") return adaptiveIntegratedGradients(ctx, runner, x, x0, tolerance);
    const pass = await integrate(ctx, runner, x, x0, rule, steps);
    return { scores: pass.scores, diagnostics: { convergenceDelta: pass.delta, steps } };
  },
});
