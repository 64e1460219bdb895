/**
 * Plain TypeScript versions of every kernel, written for clarity: the tests compare both wasm
 * builds with them and the benchmark times them. They compute in float64 and use textbook
 * algorithms (a full sort for top-k, Gaussian elimination with partial pivoting for the
 * least-squares system, Edmonds-Karp on an adjacency matrix for attention flow), so they do not
 * share a mistake with the kernels.
 *
 * @module
 */

/** Row-wise softmax of a rows x vocab matrix. */
export function softmax(logits: ArrayLike<number>, vocab: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length; r += vocab) {
    let max = -Infinity;
    for (let i = 0; i < vocab; i++) max = Math.max(max, logits[r + i]);
    let sum = 0;
    for (let i = 0; i < vocab; i++) sum += out[r + i] = Math.exp(logits[r + i] - max);
    for (let i = 0; i < vocab; i++) out[r + i] /= sum;
  }
  return out;
}

/** Row-wise log-softmax of a rows x vocab matrix. */
export function logSoftmax(logits: ArrayLike<number>, vocab: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length; r += vocab) {
    let max = -Infinity;
    for (let i = 0; i < vocab; i++) max = Math.max(max, logits[r + i]);
    let sum = 0;
    for (let i = 0; i < vocab; i++) sum += Math.exp(logits[r + i] - max);
    const shift = max + Math.log(sum);
    for (let i = 0; i < vocab; i++) out[r + i] = logits[r + i] - shift;
  }
  return out;
}

/** The k largest entries of each row, descending, ties by ascending index. */
export function topK(
  logits: ArrayLike<number>,
  vocab: number,
  k: number,
): { indices: Int32Array; values: Float64Array } {
  const rows = logits.length / vocab;
  const indices = new Int32Array(rows * k);
  const values = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    const order = Array.from({ length: vocab }, (_, i) => i);
    order.sort((a, b) => logits[r * vocab + b] - logits[r * vocab + a] || a - b);
    for (let i = 0; i < k; i++) {
      indices[r * k + i] = order[i];
      values[r * k + i] = logits[r * vocab + order[i]];
    }
  }
  return { indices, values };
}

/** Sum over the last axis of length d. */
export function sumLastAxis(x: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(x.length / d);
  for (let r = 0; r < out.length; r++) {
    for (let i = 0; i < d; i++) out[r] += x[r * d + i];
  }
  return out;
}

/** Euclidean norm over the last axis of length d. */
export function l2NormLastAxis(x: ArrayLike<number>, d: number): Float64Array {
  const out = dotLastAxis(x, x, d);
  return out.map(Math.sqrt);
}

/** Dot product of a and b over the last axis of length d. */
export function dotLastAxis(a: ArrayLike<number>, b: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(a.length / d);
  for (let r = 0; r < out.length; r++) {
    for (let i = 0; i < d; i++) out[r] += a[r * d + i] * b[r * d + i];
  }
  return out;
}

/**
 * Solves (X^T W X + lambda I) beta = X^T W y by Gaussian elimination with partial pivoting.
 * @throws {RangeError} when a pivot is below 1e-12 times the largest diagonal entry.
 */
export function weightedLeastSquares(
  x: ArrayLike<number>,
  weights: ArrayLike<number>,
  y: ArrayLike<number>,
  features: number,
  lambda = 0,
): Float64Array {
  const p = features;
  const a = Array.from({ length: p }, () => new Float64Array(p + 1));
  for (let r = 0; r < weights.length; r++) {
    for (let i = 0; i < p; i++) {
      const s = weights[r] * x[r * p + i];
      for (let j = 0; j < p; j++) a[i][j] += s * x[r * p + j];
      a[i][p] += s * y[r];
    }
  }
  let maxDiag = 0;
  for (let i = 0; i < p; i++) maxDiag = Math.max(maxDiag, a[i][i] += lambda);
  for (let c = 0; c < p; c++) {
    let pivot = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) pivot = r;
    if (!(Math.abs(a[pivot][c]) > 1e-12 * maxDiag)) {
      throw new RangeError(`singular system: column ${c} has no usable pivot`);
    }
    [a[c], a[pivot]] = [a[pivot], a[c]];
    for (let r = c + 1; r < p; r++) {
      const f = a[r][c] / a[c][c];
      for (let j = c; j <= p; j++) a[r][j] -= f * a[c][j];
    }
  }
  const beta = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = a[i][p];
    for (let j = i + 1; j < p; j++) s -= a[i][j] * beta[j];
    beta[i] = s / a[i][i];
  }
  return beta;
}

/** Per layer: row-normalised 0.5 * mean over heads + 0.5 I, as n x n arrays. */
export function residualAveraged(
  attention: ArrayLike<number>,
  layers: number,
  heads: number,
  n: number,
): number[][][] {
  const result: number[][][] = [];
  for (let l = 0; l < layers; l++) {
    const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) m[i][j] += attention[((l * heads + h) * n + i) * n + j] / heads;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) m[i][j] = 0.5 * m[i][j] + (i === j ? 0.5 : 0);
      const sum = m[i].reduce((s, v) => s + v, 0);
      for (let j = 0; j < n; j++) m[i][j] /= sum;
    }
    result.push(m);
  }
  return result;
}

/** Attention rollout A'_{L-1} ... A'_0, n x n row-major: row i = output token i. */
export function attentionRollout(
  attention: ArrayLike<number>,
  layers: number,
  heads: number,
  n: number,
): Float64Array {
  const averaged = residualAveraged(attention, layers, heads, n);
  let r = averaged[0];
  for (let l = 1; l < layers; l++) {
    const a = averaged[l];
    r = a.map((row) =>
      Array.from({ length: n }, (_, j) => row.reduce((s, aik, k) => s + aik * r[k][j], 0))
    );
  }
  return Float64Array.from(r.flat());
}

/**
 * Attention flow, n x n row-major: [i][j] = max flow from input token j (layer 0) to output token
 * i (layer L) with capacities A'_l[b][a] on the edge (l, a) -> (l + 1, b). Edmonds-Karp
 * (shortest augmenting paths by breadth-first search) per pair.
 */
export function attentionFlow(
  attention: ArrayLike<number>,
  layers: number,
  heads: number,
  n: number,
): Float64Array {
  const averaged = residualAveraged(attention, layers, heads, n);
  const out = new Float64Array(n * n);
  const nodes = (layers + 1) * n;
  const parent = new Int32Array(nodes);
  // flow[l][a][b]: flow on (l, a) -> (l + 1, b).
  const flow = averaged.map(() => Array.from({ length: n }, () => new Float64Array(n)));
  const eps = 1e-12;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      for (const layer of flow) for (const row of layer) row.fill(0);
      const source = j;
      const sink = layers * n + i;
      let total = 0;
      while (true) {
        parent.fill(-1);
        parent[source] = source;
        const queue = [source];
        for (let q = 0; q < queue.length && parent[sink] < 0; q++) {
          const u = queue[q];
          const l = Math.floor(u / n);
          const a = u % n;
          for (let b = 0; b < n; b++) {
            if (
              l < layers && parent[(l + 1) * n + b] < 0 && averaged[l][b][a] - flow[l][a][b] > eps
            ) {
              parent[(l + 1) * n + b] = u;
              queue.push((l + 1) * n + b);
            }
            if (l > 0 && parent[(l - 1) * n + b] < 0 && flow[l - 1][b][a] > eps) {
              parent[(l - 1) * n + b] = u;
              queue.push((l - 1) * n + b);
            }
          }
        }
        if (parent[sink] < 0) break;
        let bottleneck = Infinity;
        for (let v = sink; v !== source; v = parent[v]) {
          const u = parent[v];
          const [lu, lv] = [Math.floor(u / n), Math.floor(v / n)];
          bottleneck = Math.min(
            bottleneck,
            lv > lu ? averaged[lu][v % n][u % n] - flow[lu][u % n][v % n] : flow[lv][v % n][u % n],
          );
        }
        for (let v = sink; v !== source; v = parent[v]) {
          const u = parent[v];
          const [lu, lv] = [Math.floor(u / n), Math.floor(v / n)];
          if (lv > lu) flow[lu][u % n][v % n] += bottleneck;
          else flow[lv][v % n][u % n] -= bottleneck;
        }
        total += bottleneck;
      }
      out[i * n + j] = total;
    }
  }
  return out;
}

/** Gauss-Legendre nodes (ascending) and weights of the n-point rule on [0, 1]. */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let k = 0; k < (n + 1) >> 1; k++) {
    let x = Math.cos(Math.PI * (k + 0.75) / (n + 0.5));
    let dp = 1;
    for (let iter = 0, done = 0; iter < 100 && done < 2; iter++) {
      let [p0, p1] = [1, x];
      for (let j = 2; j <= n; j++) [p0, p1] = [p1, ((2 * j - 1) * x * p1 - (j - 1) * p0) / j];
      dp = n * (x * p1 - p0) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (done > 0 || Math.abs(dx) < 1e-14) done++;
    }
    const w = 1 / ((1 - x * x) * dp * dp);
    [nodes[k], nodes[n - 1 - k]] = [(1 - x) / 2, (1 + x) / 2];
    [weights[k], weights[n - 1 - k]] = [w, w];
  }
  return { nodes, weights };
}
