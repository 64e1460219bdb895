/**
 * Turning logits into the quantity a method explains: a logit, a probability or a log-probability, of
 * the target, minus the contrast's when there is one. Also softmax, entropy and top-k for predictions.
 *
 * @module
 */
import type { OutputKind } from "./explanation.ts";

/** log(sum(exp(row))) computed stably. */
export function logSumExp(row: ArrayLike<number>, from = 0, to = row.length): number {
  let max = -Infinity;
  for (let i = from; i < to; i++) if (row[i] > max) max = row[i];
  let sum = 0;
  for (let i = from; i < to; i++) sum += Math.exp(row[i] - max);
  return max + Math.log(sum);
}

/** Softmax of a row, in float64. */
export function softmax(row: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  const out = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += out[i] = Math.exp(row[i] - max);
  for (let i = 0; i < row.length; i++) out[i] /= sum;
  return out;
}

/** Shannon entropy in nats of a probability vector. */
export function entropy(probabilities: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}

/** Indices of the k largest values, descending (ties: lower index first). */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const n = values.length;
  const kk = Math.min(k, n);
  const heap: number[] = [];
  for (let i = 0; i < n; i++) {
    if (heap.length < kk) {
      heap.push(i);
      if (heap.length === kk) heap.sort((a, b) => values[b] - values[a] || a - b);
    } else if (values[i] > values[heap[kk - 1]]) {
      let j = kk - 1;
      while (j > 0 && values[heap[j - 1]] < values[i]) {
        heap[j] = heap[j - 1];
        j--;
      }
      heap[j] = i;
    }
  }
  if (heap.length < kk || heap.length === n) heap.sort((a, b) => values[b] - values[a] || a - b);
  return heap;
}

/**
 * The objective for every row of a [rows, vocab] logits matrix: f(target) - f(contrast).
 *
 * @param logSoftmax The row-wise log-softmax of `logits` when the caller has it (the wasm kernels
 *   compute it for all rows at once); otherwise it is computed here, row by row.
 */
export function objectiveOf(
  logits: Float32Array,
  vocab: number,
  output: OutputKind,
  targetId: number,
  contrastId?: number,
  logSoftmax?: Float32Array,
): Float64Array {
  const rows = vocab === 0 ? 0 : logits.length / vocab;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const from = r * vocab;
    const lse = output === "logit" || logSoftmax ? 0 : logSumExp(logits, from, from + vocab);
    const value = (id: number) => {
      if (output === "logit") return logits[from + id];
      const logp = logSoftmax ? logSoftmax[from + id] : logits[from + id] - lse;
      return output === "log-probability" ? logp : Math.exp(logp);
    };
    out[r] = value(targetId) - (contrastId === undefined ? 0 : value(contrastId));
  }
  return out;
}
