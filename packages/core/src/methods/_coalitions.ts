/**
 * What the coalition methods share (shapley-sampling, kernel-shap, lime): the players are the
 * non-special tokens; a coalition (a 0/1 mask over the players) stands for the input with the
 * other players removed or replaced, as occlusion builds it (a causal LM's empty coalition, with
 * every token removed, is its start token alone: what GPT-2 sees before any text); many coalitions
 * are scored in batches,
 * each distinct coalition once, with progress and cancellation between batches. Internal to the
 * methods.
 *
 * @module
 */
import type { MethodContext } from "./types.ts";
import { occlude, type Replacement } from "./occlusion.ts";
import { InputError } from "../errors.ts";

/** The options every coalition method takes. */
export interface CoalitionParams {
  readonly replacement: Replacement;
}

/** Rows handed to `ctx.score` at once: progress and cancellation happen between them. */
const BATCH = 64;

/** Positions of the players: every token that is not special. */
export function playersOf(ctx: MethodContext<unknown>): number[] {
  return ctx.tokens.flatMap((t, i) => (t.special ? [] : [i]));
}

/**
 * The input a coalition stands for: the players whose `keep` byte is 0 removed or replaced.
 *
 * @throws InputError when every token is removed and the tokenizer has no start token to stand in.
 */
export function coalitionInput(
  ctx: MethodContext<CoalitionParams>,
  methodId: string,
  players: readonly number[],
  keep: ArrayLike<number>,
): number[] {
  const row = occlude(
    ctx,
    players.filter((_, j) => keep[j] === 0),
    ctx.params.replacement,
    methodId,
  );
  if (row.length > 0) return row;
  const { bos, eos } = ctx.model.tokenizer.specialIds;
  const start = bos ?? eos;
  if (start === undefined) {
    throw new InputError(
      `Cannot run ${methodId}: removing every token leaves an empty input and ${ctx.model.id} has no start token; use replacement unk, mask or pad`,
    );
  }
  return [start];
}

/**
 * Scores coalitions given as `count` masks of `players.length` bytes each (1 = in the coalition),
 * laid out one after the other. Identical masks are scored once.
 *
 * @returns The objective for each mask, in order.
 */
export async function scoreCoalitions(
  ctx: MethodContext<CoalitionParams>,
  methodId: string,
  players: readonly number[],
  masks: Uint8Array,
): Promise<Float64Array> {
  const p = players.length;
  const count = p === 0 ? 0 : masks.length / p;
  const slot = new Int32Array(count);
  const unique = new Map<string, number>();
  const rows: number[][] = [];
  for (let c = 0; c < count; c++) {
    const mask = masks.subarray(c * p, (c + 1) * p);
    const key = mask.join("");
    let at = unique.get(key);
    if (at === undefined) {
      at = rows.length;
      unique.set(key, at);
      rows.push(coalitionInput(ctx, methodId, players, mask));
    }
    slot[c] = at;
  }
  const values = new Float64Array(rows.length);
  for (let start = 0; start < rows.length; start += BATCH) {
    ctx.progress(start, rows.length);
    values.set(await ctx.score(rows.slice(start, start + BATCH)), start);
  }
  ctx.progress(rows.length, rows.length);
  return Float64Array.from(slot, (at) => values[at]);
}

/** Scores per token: `values[k]` at `players[k]`, 0 at special tokens. */
export function tokenScores(
  ctx: MethodContext<unknown>,
  players: readonly number[],
  values: ArrayLike<number>,
): number[] {
  const scores = new Array<number>(ctx.ids.length).fill(0);
  players.forEach((position, k) => scores[position] = values[k]);
  return scores;
}
