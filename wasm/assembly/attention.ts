// Attention rollout and attention flow (Abnar & Zuidema 2020, "Quantifying Attention Flow in
// Transformers") from L x H x n x n attention probabilities (layer 0 nearest the embeddings; row i
// of a head says how much query token i attends to each key token). Both first turn each layer into
// A' = rownormalise(0.5 mean_heads(A) + 0.5 I): the residual connection carries half of a token.

/**
 * dst (n x n, float32) = A' of one layer from its H heads at src. Adding H to the diagonal of the
 * head sum and renormalising the rows equals renormalising 0.5 * mean + 0.5 I (the factors cancel).
 */
function residualAverage(src: usize, h: i32, n: i32, dst: usize): void {
  const nn = n * n;
  const bytes = <usize> nn << 2;
  memory.copy(dst, src, bytes);
  for (let head = 1; head < h; head++) {
    const s = src + <usize> head * bytes;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      for (; i + 4 <= nn; i += 4) {
        const o = <usize> i << 2;
        v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(s + o)));
      }
    }
    for (; i < nn; i++) {
      const o = <usize> i << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(s + o));
    }
  }
  for (let r = 0; r < n; r++) {
    const row = dst + <usize> r * (<usize> n << 2);
    store<f32>(row + (<usize> r << 2), load<f32>(row + (<usize> r << 2)) + <f32> h);
    let sum: f32 = 0;
    for (let c = 0; c < n; c++) sum += load<f32>(row + (<usize> c << 2));
    const inv: f32 = 1.0 / sum;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      const vinv = f32x4.splat(inv);
      for (; c + 4 <= n; c += 4) {
        const o = <usize> c << 2;
        v128.store(row + o, f32x4.mul(v128.load(row + o), vinv));
      }
    }
    for (; c < n; c++) store<f32>(row + (<usize> c << 2), load<f32>(row + (<usize> c << 2)) * inv);
  }
}

/**
 * As residualAverage, accumulating in float64 into dst (n x n, float64): max-flow values are sums
 * of many capacities, and float32 capacities would shift them by about 1e-7.
 */
function residualAverage64(src: usize, h: i32, n: i32, dst: usize): void {
  const nn = n * n;
  memory.fill(dst, 0, <usize> nn << 3);
  for (let head = 0; head < h; head++) {
    const s = src + <usize> head * (<usize> nn << 2);
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      for (; i + 2 <= nn; i += 2) {
        const o = <usize> i << 3;
        const pair = f64x2.promote_low_f32x4(v128.load64_zero(s + (<usize> i << 2)));
        v128.store(dst + o, f64x2.add(v128.load(dst + o), pair));
      }
    }
    for (; i < nn; i++) {
      const o = <usize> i << 3;
      store<f64>(dst + o, load<f64>(dst + o) + <f64> load<f32>(s + (<usize> i << 2)));
    }
  }
  for (let r = 0; r < n; r++) {
    const row = dst + <usize> r * (<usize> n << 3);
    store<f64>(row + (<usize> r << 3), load<f64>(row + (<usize> r << 3)) + <f64> h);
    let sum: f64 = 0;
    for (let c = 0; c < n; c++) sum += load<f64>(row + (<usize> c << 3));
    for (let c = 0; c < n; c++) {
      store<f64>(row + (<usize> c << 3), load<f64>(row + (<usize> c << 3)) / sum);
    }
  }
}

/** c = a b for n x n float32 matrices; zero entries of a (causal masks) are skipped. */
function matmul(a: usize, b: usize, c: usize, n: i32): void {
  const rowBytes = <usize> n << 2;
  for (let i = 0; i < n; i++) {
    const ci = c + <usize> i * rowBytes;
    memory.fill(ci, 0, rowBytes);
    for (let k = 0; k < n; k++) {
      const aik = load<f32>(a + <usize> i * rowBytes + (<usize> k << 2));
      if (aik == 0) continue;
      const bk = b + <usize> k * rowBytes;
      let j = 0;
      if (ASC_FEATURE_SIMD) {
        const va = f32x4.splat(aik);
        for (; j + 4 <= n; j += 4) {
          const o = <usize> j << 2;
          v128.store(ci + o, f32x4.add(v128.load(ci + o), f32x4.mul(va, v128.load(bk + o))));
        }
      }
      for (; j < n; j++) {
        const o = <usize> j << 2;
        store<f32>(ci + o, load<f32>(ci + o) + aik * load<f32>(bk + o));
      }
    }
  }
}

/**
 * Attention rollout R = A'_{L-1} ... A'_1 A'_0 into out (n x n, float32): row i of R says how much
 * output token i (after the last layer) draws from each input token. scratch holds 2 n^2 floats.
 */
export function attentionRollout(
  attn: usize,
  layers: i32,
  heads: i32,
  n: i32,
  out: usize,
  scratch: usize,
): void {
  const layerBytes = <usize> heads * <usize> n * <usize> n << 2;
  const matBytes = <usize> n * <usize> n << 2;
  const a = scratch;
  let cur = out;
  let next = scratch + matBytes;
  residualAverage(attn, heads, n, cur);
  for (let l = 1; l < layers; l++) {
    residualAverage(attn + <usize> l * layerBytes, heads, n, a);
    matmul(a, cur, next, n);
    const t = cur;
    cur = next;
    next = t;
  }
  if (cur != out) memory.copy(out, cur, matBytes);
}

// Attention flow state. Nodes are (layer, token) for layers 0..L, numbered layer * n + token. The
// edge (l, a) -> (l + 1, b) has capacity A'_l[b][a]; it is stored twice so that both directions of
// the residual graph scan contiguous rows: rf[l][a][b] is its forward residual, rb[l][b][a] its flow
// (the residual of the reverse edge).
const EPS: f64 = 1e-12;
let gN = 0;
let gL = 0;
let gCf: usize = 0;
let gRf: usize = 0;
let gRb: usize = 0;
let gFlags: usize = 0;
let gTouched: usize = 0;
let gTouchedCount = 0;
let gLevel: usize = 0;
let gCur: usize = 0;
let gQueue: usize = 0;
let gUnseen: usize = 0;
let gSink = 0;

// @ts-ignore: decorator
@inline function f64At(base: usize, i: i32): usize {
  return base + (<usize> i << 3);
}

// @ts-ignore: decorator
@inline function i32At(base: usize, i: i32): usize {
  return base + (<usize> i << 2);
}

/** Bytes of scratch attentionFlow needs for `layers` layers of n tokens. */
export function attentionFlowScratchBytes(layers: i32, n: i32): usize {
  const edges = <usize> layers * <usize> n * <usize> n;
  const nodes = <usize> (layers + 1) * <usize> n;
  return 3 * edges * 8 + ((edges + 7) & ~7) + edges * 4 + 3 * nodes * 4 + <usize> (layers + 1) * 4 +
    <usize> n * <usize> n * 8 + 8;
}

/** Breadth-first levels from the source; true when the sink is reachable in the residual graph. */
function levels(source: i32): bool {
  const n = gN;
  const nn = n * n;
  const total = (gL + 1) * n;
  for (let u = 0; u < total; u++) store<i32>(i32At(gLevel, u), -1);
  store<i32>(i32At(gLevel, source), 0);
  store<i32>(gQueue, source);
  // Once every token of a layer has a level, scans into that layer can be skipped.
  for (let l = 1; l < gL; l++) store<i32>(i32At(gUnseen, l), n);
  let head = 0;
  let tail = 1;
  const sinkToken = gSink - gL * n;
  while (head < tail) {
    const u = load<i32>(i32At(gQueue, head++));
    const lu = load<i32>(i32At(gLevel, u));
    const sinkLevel = load<i32>(i32At(gLevel, gSink));
    if (sinkLevel >= 0 && lu >= sinkLevel) break;
    const l = u / n;
    const a = u - l * n;
    if (l + 1 == gL) {
      if (sinkLevel < 0 && load<f64>(f64At(gRf, l * nn + a * n + sinkToken)) > EPS) {
        store<i32>(i32At(gLevel, gSink), lu + 1);
        store<i32>(i32At(gQueue, tail++), gSink);
      }
    } else if (l < gL && load<i32>(i32At(gUnseen, l + 1)) > 0) {
      let unseen = load<i32>(i32At(gUnseen, l + 1));
      const row = gRf + (<usize> (l * nn + a * n) << 3);
      const base = (l + 1) * n;
      for (let b = 0; b < n; b++) {
        if (load<i32>(i32At(gLevel, base + b)) < 0 && load<f64>(row + (<usize> b << 3)) > EPS) {
          store<i32>(i32At(gLevel, base + b), lu + 1);
          store<i32>(i32At(gQueue, tail++), base + b);
          unseen--;
        }
      }
      store<i32>(i32At(gUnseen, l + 1), unseen);
    }
    // Reverse edges into layer 0 only reach the source: no other input token carries flow.
    if (l >= 2 && load<i32>(i32At(gUnseen, l - 1)) > 0) {
      let unseen = load<i32>(i32At(gUnseen, l - 1));
      const row = gRb + (<usize> ((l - 1) * nn + a * n) << 3);
      const base = (l - 1) * n;
      for (let b = 0; b < n; b++) {
        if (load<i32>(i32At(gLevel, base + b)) < 0 && load<f64>(row + (<usize> b << 3)) > EPS) {
          store<i32>(i32At(gLevel, base + b), lu + 1);
          store<i32>(i32At(gQueue, tail++), base + b);
          unseen--;
        }
      }
      store<i32>(i32At(gUnseen, l - 1), unseen);
    }
  }
  return load<i32>(i32At(gLevel, gSink)) >= 0;
}

/** Pushes up to `limit` from u towards the sink along the level graph; returns the amount pushed. */
function push(u: i32, limit: f64): f64 {
  if (u == gSink) return limit;
  const n = gN;
  const nn = n * n;
  const l = u / n;
  const a = u - l * n;
  const next = load<i32>(i32At(gLevel, u)) + 1;
  let pushed: f64 = 0;
  let c = load<i32>(i32At(gCur, u));
  if (l < gL) {
    // Forward edges; into the last layer only the sink is worth entering.
    const lo = l + 1 == gL ? gSink - gL * n : 0;
    const hi = l + 1 == gL ? lo + 1 : n;
    if (c < lo) c = lo;
    for (; c < hi; c++) {
      const v = (l + 1) * n + c;
      if (load<i32>(i32At(gLevel, v)) != next) continue;
      const fi = l * nn + a * n + c;
      const r = load<f64>(f64At(gRf, fi));
      if (r <= EPS) continue;
      const d = push(v, min(r, limit - pushed));
      if (d > 0) {
        store<f64>(f64At(gRf, fi), r - d);
        const bi = l * nn + c * n + a;
        store<f64>(f64At(gRb, bi), load<f64>(f64At(gRb, bi)) + d);
        if (!load<u8>(gFlags + <usize> fi)) {
          store<u8>(gFlags + <usize> fi, 1);
          store<i32>(i32At(gTouched, gTouchedCount++), fi);
        }
        pushed += d;
        if (limit - pushed <= EPS) {
          store<i32>(i32At(gCur, u), c);
          return pushed;
        }
      }
    }
  }
  if (l >= 2) {
    // Reverse edges: cancel flow that entered u from layer l - 1.
    if (c < n) c = n;
    for (; c < 2 * n; c++) {
      const b = c - n;
      const v = (l - 1) * n + b;
      if (load<i32>(i32At(gLevel, v)) != next) continue;
      const bi = (l - 1) * nn + a * n + b;
      const r = load<f64>(f64At(gRb, bi));
      if (r <= EPS) continue;
      const d = push(v, min(r, limit - pushed));
      if (d > 0) {
        store<f64>(f64At(gRb, bi), r - d);
        const fi = (l - 1) * nn + b * n + a;
        store<f64>(f64At(gRf, fi), load<f64>(f64At(gRf, fi)) + d);
        pushed += d;
        if (limit - pushed <= EPS) {
          store<i32>(i32At(gCur, u), c);
          return pushed;
        }
      }
    }
  }
  store<i32>(i32At(gCur, u), 2 * n);
  return pushed;
}

/** Dinic's max-flow from input token `from` (layer 0) to output token `to` (layer L). */
function maxFlow(from: i32, to: i32): f64 {
  const source = from;
  gSink = gL * gN + to;
  const nodes = (gL + 1) * gN;
  // No flow exceeds what leaves the source or enters the sink; reaching that bound spares the
  // last, exhaustive search that proves no augmenting path is left.
  const nn = gN * gN;
  let bound: f64 = 0;
  let into: f64 = 0;
  for (let b = 0; b < gN; b++) bound += load<f64>(f64At(gCf, from * gN + b));
  for (let a = 0; a < gN; a++) into += load<f64>(f64At(gCf, (gL - 1) * nn + a * gN + to));
  bound = min(bound, into) - EPS;
  let total: f64 = 0;
  while (total < bound && levels(source)) {
    memory.fill(gCur, 0, <usize> nodes << 2);
    total += push(source, Infinity);
  }
  // Restore the residual graph for the next pair, touching only the edges that carried flow.
  const n = gN;
  for (let t = 0; t < gTouchedCount; t++) {
    const fi = load<i32>(i32At(gTouched, t));
    const l = fi / nn;
    const rest = fi - l * nn;
    const a = rest / n;
    const b = rest - a * n;
    store<f64>(f64At(gRf, fi), load<f64>(f64At(gCf, fi)));
    store<f64>(f64At(gRb, l * nn + b * n + a), 0);
    store<u8>(gFlags + <usize> fi, 0);
  }
  gTouchedCount = 0;
  return total;
}

/**
 * Attention flow into out (n x n, float64): out[i][j] is the maximum flow from input token j to
 * output token i through the layered graph of residual-averaged attention, so rows read like
 * rollout's. scratch holds attentionFlowScratchBytes(layers, n) bytes, 8-byte aligned.
 */
export function attentionFlow(
  attn: usize,
  layers: i32,
  heads: i32,
  n: i32,
  out: usize,
  scratch: usize,
): void {
  const nn = n * n;
  const edges = <usize> layers * <usize> nn;
  const nodes = <usize> (layers + 1) * <usize> n;
  gN = n;
  gL = layers;
  gCf = scratch;
  gRf = gCf + edges * 8;
  gRb = gRf + edges * 8;
  gFlags = gRb + edges * 8;
  gTouched = gFlags + ((edges + 7) & ~7);
  gLevel = gTouched + edges * 4;
  gCur = gLevel + nodes * 4;
  gQueue = gCur + nodes * 4;
  gUnseen = gQueue + nodes * 4;
  const a = (gUnseen + <usize> (layers + 1) * 4 + 7) & ~7;
  gTouchedCount = 0;
  const layerBytes = <usize> heads * <usize> nn << 2;
  for (let l = 0; l < layers; l++) {
    residualAverage64(attn + <usize> l * layerBytes, heads, n, a);
    for (let b = 0; b < n; b++) {
      for (let c = 0; c < n; c++) {
        store<f64>(f64At(gCf, l * nn + c * n + b), load<f64>(f64At(a, b * n + c)));
      }
    }
  }
  memory.copy(gRf, gCf, edges * 8);
  memory.fill(gRb, 0, edges * 8);
  memory.fill(gFlags, 0, edges);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) store<f64>(f64At(out, i * n + j), maxFlow(j, i));
  }
}
