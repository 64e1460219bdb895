/**
 * Seeded inputs for the kernel tests and benchmark: a small PRNG (mulberry32), normal samples, and
 * attention stacks whose rows are softmaxes (optionally causal), so every run sees the same data.
 *
 * @module
 */

/** A deterministic uniform [0, 1) generator (mulberry32) for the given 32-bit seed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box-Muller) from a uniform generator. */
export function normals(random: () => number, count: number, scale = 1): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = scale * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return out;
}

/**
 * layers x heads x n x n attention probabilities: each row the softmax of normal logits times
 * `sharpness`; with `causal`, query i sees keys 0..i only (as in a decoder).
 */
export function attentionStack(
  random: () => number,
  layers: number,
  heads: number,
  n: number,
  { sharpness = 2, causal = false } = {},
): Float32Array {
  const out = normals(random, layers * heads * n * n, sharpness);
  for (let row = 0; row < layers * heads * n; row++) {
    const i = row % n;
    const seen = causal ? i + 1 : n;
    const base = row * n;
    let max = -Infinity;
    for (let j = 0; j < seen; j++) max = Math.max(max, out[base + j]);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += out[base + j] = j < seen ? Math.exp(out[base + j] - max) : 0;
    for (let j = 0; j < n; j++) out[base + j] /= sum;
  }
  return out;
}
