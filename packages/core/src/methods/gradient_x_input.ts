/**
 * Gradient x input: per token, the sum over the hidden dimension of the gradient times the word
 * embedding, the first-order Taylor estimate of what the embedding contributes (signed).
 *
 * @see Shrikumar, Greenside, Shcherbina & Kundaje, "Not Just a Black Box: Learning Important
 *   Features Through Propagating Activation Differences", 2016. https://arxiv.org/abs/1605.01713
 * @module
 */
import { dotPerToken, gradients, runnerFor } from "./_gradient.ts";
import { defineMethod } from "./define.ts";

/** The gradient x input method (`gradient-x-input`). */
export const gradientXInput = defineMethod({
  id: "gradient-x-input",
  kind: "gradient",
  description: "Gradient times embedding, summed over the hidden dimension, per token.",
  paper: "Shrikumar et al. 2016",
  options: [],
  needs: { gradients: true },
  async run(ctx) {
    const runner = await runnerFor(ctx);
    const x = runner.embed(ctx.ids);
    const { grads } = await gradients(ctx, runner, x, 1);
    return { scores: dotPerToken(grads, x, ctx.ids.length, runner.hidden) };
  },
});
