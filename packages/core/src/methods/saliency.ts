/**
 * Saliency: the L2 norm, over the hidden dimension, of the gradient of the objective with respect to
 * each token's word embedding. Unsigned: it says how sensitive the output is to a token, not in which
 * direction.
 *
 * @see Simonyan, Vedaldi & Zisserman, "Deep Inside Convolutional Networks: Visualising Image
 *   Classification Models and Saliency Maps", ICLR workshop 2014. https://arxiv.org/abs/1312.6034
 * @module
 */
import { gradients, normPerToken, runnerFor } from "./_gradient.ts";
import { defineMethod } from "./define.ts";

/** The saliency method (`saliency`). */
export const saliency = defineMethod({
  id: "saliency",
  kind: "gradient",
  description: "L2 norm of the gradient of the output with respect to each token's embedding.",
  paper: "Simonyan et al. 2014",
  options: [],
  needs: { gradients: true },
  async run(ctx) {
    const runner = await runnerFor(ctx);
    const x = runner.embed(ctx.ids);
    const { grads } = await gradients(ctx, runner, x, 1);
    return { scores: normPerToken(grads, ctx.ids.length, runner.hidden) };
  },
});
