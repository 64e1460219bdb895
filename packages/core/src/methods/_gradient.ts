/**
 * What the gradient methods share: running the model's gradient graph with progress, cancellation
 * and counters; baselines; per-token reductions over the hidden dimension; and the option specs
 * several methods take. Internal to the methods.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import { type GradientRunner, gradientRunner } from "../gradients/runner.ts";
import type { MethodContext, OptionSpec } from "./types.ts";

/** Baselines a path method can start from. */
export const BASELINES = ["zero", "pad", "unk", "mask"] as const;

/** The `batchSize` option: rows per backward run. */
export const BATCH_SIZE_OPTION: OptionSpec = {
  name: "batchSize",
  type: "integer",
  default: "auto",
  min: 1,
  max: 4096,
  alsoAccepts: ["auto"],
  description: "Rows per backward run; auto keeps about 2048 tokens per run.",
};

/** The `noise` option of the noisy-copy methods (smoothgrad, gradient-shap). */
export const NOISE_OPTION: OptionSpec = {
  name: "noise",
  type: "number",
  default: 0.1,
  min: 0,
  max: 10,
  description:
    "Noise standard deviation as a fraction of the standard deviation of the input embeddings.",
};

/** The `baseline` option. */
export const BASELINE_OPTION: OptionSpec = {
  name: "baseline",
  type: "string",
  default: "zero",
  values: BASELINES,
  description:
    "zero: every embedding (special tokens too) starts from 0; pad/unk/mask: non-special tokens start from that token's embedding, special tokens keep theirs.",
};

/** The runner for the context's objective kind. */
export function runnerFor(ctx: MethodContext): Promise<GradientRunner> {
  return gradientRunner(ctx.model, ctx.objective.output);
}

/**
 * Gradients and objective values for `rows` embedding sequences of the context's ids, reporting
 * progress per batch (which also stops the run on abort) and counting backward passes.
 */
export async function gradients(
  ctx: MethodContext,
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
  ctx: MethodContext,
  runner: GradientRunner,
  baseline: string,
  method: string,
): Float32Array {
  if (baseline === "zero") return new Float32Array(ctx.ids.length * runner.hidden);
  const id = ctx.model.tokenizer.specialIds[baseline as "pad" | "unk" | "mask"];
  if (id === undefined) {
    const available = BASELINES.filter((b) =>
      b === "zero" || ctx.model.tokenizer.specialIds[b as "pad"] !== undefined
    );
    throw new InputError(
      `Cannot run ${method}: baseline "${baseline}" needs a ${baseline} token, which the tokenizer of ${ctx.model.id} does not have; use ${
        available.join(" or ")
      }`,
    );
  }
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
