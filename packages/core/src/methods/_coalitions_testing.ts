/**
 * Test support for the coalition methods (shapley-sampling, kernel-shap, lime): a toy context whose
 * objective is a hand-written function of which tokens are present, exact Shapley values by
 * enumerating every coalition, and a context on a real model that scores perturbed inputs as
 * explain() does.
 *
 * @module
 */
import type { Model } from "../model.ts";
import { validateOptions } from "../options.ts";
import { forwardLogits } from "../forward.ts";
import { objectiveOf } from "../scoring.ts";
import { coalitionInput, type CoalitionParams, playersOf } from "./_coalitions.ts";
import type { MethodContext, MethodSpec } from "./types.ts";

/** The toy tokenizer's mask id. */
export const TOY_MASK = 103;

/** A toy context with its forward-pass log. */
export interface ToyContext<P> extends MethodContext<P> {
  /** Rows scored, in order. */
  scored: number[][];
}

/**
 * A context for `p` players with ids 11, 12, ... between a special 101 and 102; its objective is
 * `value(present)`, where bit k of `present` says whether player k is in the row (neither removed
 * nor replaced by the mask id).
 */
export function toyContext<P>(
  method: MethodSpec<P>,
  p: number,
  value: (present: number) => number,
  params: Record<string, unknown> = {},
): ToyContext<P> {
  const ids = [101, ...Array.from({ length: p }, (_, k) => 11 + k), 102];
  const scored: number[][] = [];
  return {
    model: { id: "toy", tokenizer: { specialIds: { mask: TOY_MASK } } } as unknown as Model,
    ids,
    tokens: ids.map((id, i) => ({
      id,
      text: "",
      start: 0,
      end: 0,
      special: i === 0 || i === ids.length - 1,
    })),
    objective: { targetId: 0, output: "logit", position: 0 },
    params: validateOptions(method, params),
    progress() {},
    score(rows) {
      scored.push(...rows.map((r) => [...r]));
      return Promise.resolve(Float64Array.from(rows, (row) => {
        let present = 0;
        for (const id of row) if (id >= 11 && id < 11 + p) present |= 1 << (id - 11);
        return value(present);
      }));
    },
    counters: { forward: 0, backward: 0 },
    scored,
  };
}

/** Exact Shapley values of `value` over p players: sum over S of |S|!(p-|S|-1)!/p! (v(S+i) - v(S)). */
export function exactShapley(p: number, value: (present: number) => number): number[] {
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const phi = new Array<number>(p).fill(0);
  for (let set = 0; set < 1 << p; set++) {
    let size = 0;
    for (let k = 0; k < p; k++) size += (set >> k) & 1;
    for (let i = 0; i < p; i++) {
      if ((set >> i) & 1) continue;
      const weight = factorial(size) * factorial(p - size - 1) / factorial(p);
      phi[i] += weight * (value(set | (1 << i)) - value(set));
    }
  }
  return phi;
}

/**
 * A context on a real model for `text` (target: class 1 for classifiers, the top next token for
 * causal LMs; output logit), scoring rows with batched forward passes as explain() does.
 */
export async function modelContext<P>(
  model: Model,
  method: MethodSpec<P>,
  text: string,
  params: Record<string, unknown> = {},
): Promise<MethodContext<P>> {
  const { ids, tokens } = model.tokenizer.encode(text);
  const causal = model.task === "text-generation";
  const first = await forwardLogits(model, [ids]);
  let targetId = 1;
  if (causal) {
    targetId = 0;
    for (let v = 1; v < first.vocab; v++) {
      if (first.logits[v] > first.logits[targetId]) targetId = v;
    }
  }
  const ctx: MethodContext<P> = {
    model,
    ids,
    tokens,
    objective: { targetId, output: "logit", position: causal ? ids.length - 1 : 0 },
    params: validateOptions(method, params),
    progress() {},
    async score(rows) {
      const result = await forwardLogits(model, rows);
      ctx.counters.forward += rows.length;
      return objectiveOf(result.logits, result.vocab, "logit", targetId);
    },
    counters: { forward: 0, backward: 0 },
  };
  return ctx;
}

/**
 * The value function of a real-model context over its non-special tokens: all 2^p coalitions
 * scored at once, built as the methods build them.
 */
export async function coalitionValues(
  ctx: MethodContext<CoalitionParams>,
): Promise<(present: number) => number> {
  const players = playersOf(ctx);
  const p = players.length;
  const rows = Array.from(
    { length: 1 << p },
    (_, set) => coalitionInput(ctx, "test", players, players.map((_, k) => (set >> k) & 1)),
  );
  const values = await ctx.score(rows);
  return (present) => values[present];
}
