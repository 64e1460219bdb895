/**
 * Batched forward passes: many id sequences in, the logits at one position per sequence out. Inputs
 * are fed as {@link feedsFor} plans them from the graph's declared inputs, sequences are
 * right-padded, and batches are sized so the logits tensor of a causal LM ([batch, sequence,
 * vocabulary]) stays within a memory budget.
 *
 * @module
 */
import type { Model } from "./model.ts";
import { AbortError } from "./errors.ts";
import { feedsFor } from "./feeds.ts";
import { modelRowCoupling } from "./coupling.ts";
import { POSITION_INPUT, positionHeadSession } from "./internals/position_head.ts";

/** Largest batch in one run. */
const MAX_BATCH = 64;
/** Budget for one run's logits output, in floats (256 MB). */
const LOGITS_BUDGET = 64 * 1024 * 1024;

/** Options for {@link forwardLogits}. */
export interface ForwardOptions {
  /** Position whose logits are returned, per row; default: the last token (causal LMs). */
  positions?: readonly number[];
  signal?: AbortSignal;
  /** Called after each batch with the number of rows done. */
  onBatch?: (done: number, total: number) => void;
}

/** The name of the logits output. */
export function logitsOutput(model: Model): string {
  return (model.session.outputs.find((o) => o.name === "logits") ?? model.session.outputs[0]).name;
}

/**
 * Runs the model on many id sequences and returns, for each, the logits at one position.
 *
 * @returns `{ logits, vocab }`: `logits` is row-major [rows, vocab].
 */
export async function forwardLogits(
  model: Model,
  rows: readonly (readonly number[])[],
  options: ForwardOptions = {},
): Promise<{ logits: Float32Array; vocab: number }> {
  const output = logitsOutput(model);
  const causal = model.task === "text-generation";
  // A graph that couples rows (coupling.ts) runs one unpadded row at a time, as shipped.
  const coupled = modelRowCoupling(model) !== undefined;
  const maxBatch = coupled ? 1 : MAX_BATCH;
  // Causal LMs: the head runs at each row's position only, when the graph can be cut so.
  const head = causal && !coupled ? await positionHeadSession(model) : undefined;
  const positionOf = (row: number) => options.positions?.[row] ?? Math.max(0, rows[row].length - 1);
  // Similar lengths share a batch, so padding stays small.
  const order = rows.map((_, i) => i).sort((a, b) => rows[a].length - rows[b].length);
  let logits: Float32Array | undefined;
  let vocab = 0;
  let done = 0;
  while (done < order.length) {
    if (options.signal?.aborted) throw new AbortError();
    const longest = rows[order[Math.min(order.length - 1, done + maxBatch - 1)]].length;
    const perRow = causal && !head ? Math.max(1, longest) * Math.max(vocab, 1) : Math.max(vocab, 1);
    const size = Math.max(
      1,
      Math.min(maxBatch, Math.floor(LOGITS_BUDGET / perRow), order.length - done),
    );
    const chunk = order.slice(done, done + size);
    const feeds = feedsFor(model, chunk.map((i) => rows[i]));
    if (head) {
      feeds[POSITION_INPUT] = {
        type: "int64",
        data: BigInt64Array.from(chunk, (i) => BigInt(positionOf(i))),
        dims: [chunk.length],
      };
    }
    const result = await (head ?? model.session).run(feeds, [output]);
    const out = result[output];
    const data = out.data as Float32Array;
    vocab = out.dims[out.dims.length - 1];
    logits ??= new Float32Array(rows.length * vocab);
    const length = out.dims.length === 3 ? out.dims[1] : 1;
    chunk.forEach((rowIndex, b) => {
      const position = out.dims.length === 3 && !head ? positionOf(rowIndex) : 0;
      const from = (b * length + position) * vocab;
      logits!.set(data.subarray(from, from + vocab), rowIndex * vocab);
    });
    done += chunk.length;
    options.onBatch?.(done, rows.length);
  }
  return { logits: logits ?? new Float32Array(0), vocab };
}
