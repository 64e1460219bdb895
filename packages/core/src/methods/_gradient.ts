/**
 * What the gradient methods share: running the model's gradient graph with progress, cancellation
 * and counters; baselines; per-token reductions over the hidden dimension. Their option specs are in
 * `_options.ts`. Internal to the methods.
 *
 * @module
 */
import { type GradientRunner, gradientRunner } from "../gradients/runner.ts";
import { BASELINE_OPTION, type BATCH_SIZE_OPTION, specialTokenId } from "./_options.ts";
import type { MethodContext, OptionValue } from "./types.ts";

/** A baseline a path method can start from. */
export type Baseline = OptionValue<typeof BASELINE_OPTION>;

/** The runner for the context's objective kind. */
export function runnerFor(ctx: MethodContext<unknown>): Promise<GradientRunner> {
  return gradientRunner(ctx.model, ctx.objective.output);
}

/**
 * Gradients and objective values for `rows` embedding sequences of the context's ids, reporting
 * progress per batch (which also stops the run on abort) and counting backward passes.
 */
export async function gradients(
  ctx: MethodContext<{ readonly batchSize?: OptionValue<typeof BATCH_SIZE_OPTION> }>,
  runner: GradientRunner,
  embeds: Float32Array,
  rows: number,
  progress: { done: number; total: number } = { done: 0, total: rows },
): Promise<{ grads: Float32Array; objective: Float64Array }> {
  const { targetId, contrastId, position } = ctx.objective;
  const batchSize = ctx.params.batchSize;
  const start = progress.done;
  const result = await runner.run(
    {
      embeds,
      rows,
      ids: ctx.ids,
      targetId,
      contrastId,
      position,
      batchSize: typeof batchSize === "number" ? batchSize : undefined,
      onBatch(done) {
        progress.done = start + done;
        ctx.progress(progress.done, progress.total);
      },
    },
    ctx.signal,
  );
  ctx.counters.backward += rows;
  return result;
}

/**
 * The baseline embeddings [n, hidden]: zeros, or the embeddings of the ids with every non-special
 * token replaced by the pad, unk or mask token (special tokens keep their own embedding).
 *
 * @throws InputError when the tokenizer has no such token.
 */
export function baselineEmbeds(
  ctx: MethodContext<unknown>,
  runner: GradientRunner,
  baseline: Baseline,
  method: string,
): Float32Array {
  if (baseline === "zero") return new Float32Array(ctx.ids.length * runner.hidden);
  const id = specialTokenId(ctx.model, method, BASELINE_OPTION, baseline);
  return runner.embed(ctx.ids.map((tokenId, i) => (ctx.tokens[i]?.special ? tokenId : id)));
}

/** Per token: sum over hidden of a[i, k] * b[i, k]. */
export function dotPerToken(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  n: number,
  hidden: number,
): number[] {
  return Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let k = i * hidden; k < (i + 1) * hidden; k++) s += a[k] * b[k];
    return s;
  });
}

/** Per token: the L2 norm over hidden. */
export function normPerToken(a: Float32Array | Float64Array, n: number, hidden: number): number[] {
  return dotPerToken(a, a, n, hidden).map(Math.sqrt);
}

/** Population standard deviation of every value. */
export function stddev(x: Float32Array): number {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2;
  return Math.sqrt(variance / x.length);
}
