/**
 * Attention as an explanation: what the explained position ([CLS] for classifiers, the last token for
 * causal LMs) attends to. Three views of the same tapped attention probabilities:
 * - `attention`: raw weights of one layer and head, or averaged over heads and/or layers;
 * - `attention-rollout`: Abnar & Zuidema's rollout: per layer the mean over heads, 0.5·A + 0.5·I with
 *   rows renormalised, multiplied from the first layer to the last;
 * - `attention-flow`: Abnar & Zuidema's flow: the max-flow from each input token to each position of
 *   the last layer through the layered graph with those residual-augmented weights as capacities.
 * The score of token j is the explained position's row at column j; the whole matrix is in
 * `attention.matrix`, and `diagnostics.layers` / `diagnostics.heads` say how many there are. Attention weights are not signed: they show where the model looks, not which way
 * a token pushes the prediction.
 *
 * @see Abnar & Zuidema, "Quantifying Attention Flow in Transformers", ACL 2020.
 * @module
 */
import type { MethodContext, MethodResult } from "./types.ts";
import { defineMethod } from "./define.ts";
import { checkIndexOption } from "./_options.ts";
import { runTaps } from "../internals/taps.ts";
import { getKernels } from "../kernels.ts";
import { InputError } from "../errors.ts";

/** Tapped attention as one [layers, heads, n, n] array. */
async function stack(
  ctx: MethodContext<unknown>,
): Promise<{ all: Float32Array; layers: number; heads: number; n: number }> {
  const taps = await runTaps(ctx.model, ctx.ids);
  ctx.counters.forward += 1;
  const layers = taps.attention.length;
  if (layers === 0) {
    throw new InputError(
      `Cannot run attention methods: no attention Softmax found in ${ctx.model.id}`,
    );
  }
  const heads = taps.attention[0].heads, n = taps.tokens;
  const all = new Float32Array(layers * heads * n * n);
  taps.attention.forEach((a, l) => all.set(a.data, l * heads * n * n));
  return { all, layers, heads, n };
}

function toRows(flat: ArrayLike<number>, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => flat[i * n + j]));
}

/** Raw attention weights. */
export const attention = defineMethod({
  id: "attention",
  kind: "internals",
  description:
    "Attention weights from the explained position, for one layer and head or averaged over them.",
  paper: "Vaswani et al. 2017",
  options: [
    {
      name: "layer",
      type: "integer",
      default: undefined,
      min: 0,
      description: "Layer (default: mean over layers).",
    },
    {
      name: "head",
      type: "integer",
      default: undefined,
      min: 0,
      description: "Head (default: mean over heads).",
    },
  ],
  needs: { attention: true },
  async run(ctx): Promise<MethodResult> {
    const { all, layers, heads, n } = await stack(ctx);
    const { layer, head } = ctx.params;
    checkIndexOption(ctx.model, "attention", "layer", layer, layers);
    checkIndexOption(ctx.model, "attention", "head", head, heads);
    const ls = layer === undefined ? [...Array(layers).keys()] : [layer];
    const hs = head === undefined ? [...Array(heads).keys()] : [head];
    const mean = new Float64Array(n * n);
    for (const l of ls) {
      for (const h of hs) {
        const from = (l * heads + h) * n * n;
        for (let k = 0; k < n * n; k++) mean[k] += all[from + k];
      }
    }
    for (let k = 0; k < n * n; k++) mean[k] /= ls.length * hs.length;
    const row = ctx.objective.position;
    return {
      scores: Array.from(mean.subarray(row * n, row * n + n)),
      attention: {
        kind: "raw",
        ...(layer !== undefined && { layer }),
        ...(head !== undefined && { head }),
        matrix: toRows(mean, n),
      },
      diagnostics: { layers, heads },
    };
  },
});

/** Attention rollout. */
export const attentionRollout = defineMethod({
  id: "attention-rollout",
  kind: "internals",
  description:
    "Attention rollout: head-averaged attention with the residual identity, multiplied through the layers.",
  paper: "Abnar & Zuidema 2020",
  options: [],
  needs: { attention: true },
  async run(ctx): Promise<MethodResult> {
    const { all, layers, heads, n } = await stack(ctx);
    const rollout = (await getKernels()).attentionRollout(all, { layers, heads, tokens: n });
    const row = ctx.objective.position;
    return {
      scores: Array.from(rollout.subarray(row * n, row * n + n)),
      attention: { kind: "rollout", matrix: toRows(rollout, n) },
      diagnostics: { layers, heads },
    };
  },
});

/** Attention flow. */
export const attentionFlow = defineMethod({
  id: "attention-flow",
  kind: "internals",
  description:
    "Attention flow: max-flow from each input token through the layered attention graph.",
  paper: "Abnar & Zuidema 2020",
  options: [],
  needs: { attention: true },
  async run(ctx): Promise<MethodResult> {
    const { all, layers, heads, n } = await stack(ctx);
    const flow = (await getKernels()).attentionFlow(all, { layers, heads, tokens: n });
    const row = ctx.objective.position;
    return {
      scores: Array.from(flow.subarray(row * n, row * n + n)),
      attention: { kind: "flow", matrix: toRows(flow, n) },
      diagnostics: { layers, heads },
    };
  },
});
