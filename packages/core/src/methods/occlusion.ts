/**
 * Occlusion: how much the objective drops when a window of tokens is taken out. With `window: 1` it is
 * leave-one-out. Each token's score is the mean drop over the windows that cover it, as in Captum's
 * Occlusion. Special tokens are never occluded and score 0. All perturbed inputs run in few batches.
 *
 * @see Zeiler & Fergus, "Visualizing and Understanding Convolutional Networks", ECCV 2014.
 * @module
 */
import { defineMethod } from "./define.ts";
import type { MethodContext, MethodResult, OptionValue } from "./types.ts";
import { REPLACEMENT_OPTION, specialTokenId } from "./_options.ts";

/** What stands in for occluded tokens. */
export type Replacement = OptionValue<typeof REPLACEMENT_OPTION>;

/**
 * Builds the input with `positions` occluded.
 *
 * @throws InputError when the tokenizer lacks the replacement token.
 */
export function occlude(
  ctx: MethodContext<unknown>,
  positions: readonly number[],
  replacement: Replacement,
  methodId = "occlusion",
): number[] {
  if (replacement === "remove") {
    const drop = new Set(positions);
    return ctx.ids.filter((_, i) => !drop.has(i));
  }
  const id = specialTokenId(ctx.model, methodId, REPLACEMENT_OPTION, replacement);
  const ids = ctx.ids.slice();
  for (const p of positions) ids[p] = id;
  return ids;
}

/** The occlusion method. */
export const occlusion = defineMethod({
  id: "occlusion",
  kind: "perturbation",
  description:
    "Drop in the output when a sliding window of tokens is removed or replaced (window 1 = leave-one-out).",
  paper: "Zeiler & Fergus 2014",
  options: [
    {
      name: "window",
      type: "integer",
      default: 1,
      min: 1,
      max: 16,
      description: "Tokens occluded together.",
    },
    {
      ...REPLACEMENT_OPTION,
      description: "Remove the tokens, or replace them with the unk, mask or pad token.",
    },
  ],
  needs: {},
  async run(ctx): Promise<MethodResult> {
    const { window, replacement } = ctx.params;
    const free = ctx.tokens.map((t, i) => (t.special ? -1 : i)).filter((i) => i >= 0);
    const n = ctx.ids.length;
    const windows: number[][] = [];
    const span = Math.min(window, free.length);
    for (let s = 0; s + span <= free.length; s++) windows.push(free.slice(s, s + span));
    if (windows.length === 0) return { scores: new Array(n).fill(0) };
    const rows = [ctx.ids.slice(), ...windows.map((w) => occlude(ctx, w, replacement))];
    ctx.progress(0, rows.length);
    const values = await ctx.score(rows);
    const base = values[0];
    const sums = new Float64Array(n), counts = new Float64Array(n);
    windows.forEach((w, k) => {
      for (const i of w) {
        sums[i] += base - values[k + 1];
        counts[i]++;
      }
    });
    return { scores: Array.from(sums, (s, i) => (counts[i] ? s / counts[i] : 0)) };
  },
});
