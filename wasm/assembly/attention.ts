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

// Attention flow. Nodes are (layer, token) for layers 0..L, numbered layer * n + token. The edge
// (l, a) -> (l + 1, b) has capacity A'_l[b][a]. Its forward residual is rf[l][a][b] and its flow
// (the residual of the reverse edge) rb[l][b][a]: both directions scan contiguous rows.
//
// Most pairs never reach Dinic: a flow of value v = min(out(source), in(sink)), the upper bound,
// is certified from vectors shared across pairs (see certify below). Dinic's algorithm runs for
// the rest, per (input, output) pair. The graph is dense (n^2 edges between layers), so
// instead of walking adjacency lists every search works on bitsets of W = ceil(n / 64) words:
// fwd[l][a] marks the tokens b with rf[l][a][b] > EPS, bwd[l][b] the tokens a with rb[l][b][a] >
// EPS, and at[layer][k] the live tokens of a layer at level layer + 2k of the current level graph
// (levels have the parity of the layer). A blocking-flow step then finds its next usable edge with
// a few word operations instead of a scan over n tokens, and dead ends drop out of `at` at once.
const EPS: f64 = 1e-12;
let gN = 0;
let gL = 0;
let gW = 0;
let gK = 0;
let gCf: usize = 0;
let gRf: usize = 0;
let gRb: usize = 0;
let gFlags: usize = 0;
let gTouched: usize = 0;
let gTouchedCount = 0;
let gFwd: usize = 0;
let gBwd: usize = 0;
let gLevel: usize = 0;
let gQueue: usize = 0;
let gUnseen: usize = 0;
let gAt: usize = 0;
let gAtUsed: usize = 0;
let gSink = 0;

// @ts-ignore: decorator
@inline function f64At(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}

// @ts-ignore: decorator
@inline function i32At(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** Address of the bitset with the given index (each W words). */
// @ts-ignore: decorator
@inline function bits(base: usize, index: i32): usize {
  return base + ((<usize>index * <usize>gW) << 3);
}

// @ts-ignore: decorator
@inline function setBit(set: usize, i: i32): void {
  const w = set + (<usize>(i >> 6) << 3);
  store<u64>(w, load<u64>(w) | (<u64>1 << <u64>(i & 63)));
}

// @ts-ignore: decorator
@inline function clearBit(set: usize, i: i32): void {
  const w = set + (<usize>(i >> 6) << 3);
  store<u64>(w, load<u64>(w) & ~(<u64>1 << <u64>(i & 63)));
}

// @ts-ignore: decorator
@inline function hasBit(set: usize, i: i32): bool {
  return ((load<u64>(set + (<usize>(i >> 6) << 3)) >> <u64>(i & 63)) & 1) != 0;
}

/**
 * Lowest index set in both a and b, or -1. Scalar in both builds: sets span a few words (2 for 128
 * tokens), and the v128 version (a lane test plus lane extracts) made the SIMD build slower.
 */
function firstCommon(a: usize, b: usize): i32 {
  for (let w = 0; w < gW; w++) {
    const both = load<u64>(a + (<usize>w << 3)) & load<u64>(b + (<usize>w << 3));
    if (both != 0) return (w << 6) + <i32>ctz(both);
  }
  return -1;
}

/** The live-token set of `layer` at `level`, cleared when first used in this phase. */
function atLevel(layer: i32, level: i32): usize {
  const k = (level - layer) >> 1;
  const set = bits(gAt, layer * gK + k);
  const used = i32At(gAtUsed, layer);
  for (let j = load<i32>(used) + 1; j <= k; j++) memory.fill(bits(gAt, layer * gK + j), 0, <usize>gW << 3);
  if (k > load<i32>(used)) store<i32>(used, k);
  return set;
}

/** Bytes of scratch attentionFlow needs for `layers` layers of n tokens. */
export function attentionFlowScratchBytes(layers: i32, n: i32): usize {
  const edges = <usize>layers * <usize>n * <usize>n;
  const nodes = <usize>(layers + 1) * <usize>n;
  const w = <usize>((n + 63) >> 6);
  const k = (nodes >> 1) + 2;
  return 3 * edges * 8 + ((edges + 7) & ~7) + ((edges * 4 + 7) & ~7) + 2 * <usize>layers * <usize>n * w * 8 +
    ((nodes * 8 + 7) & ~7) + <usize>(layers + 1) * w * 8 + <usize>(layers + 1) * k * w * 8 +
    ((<usize>(layers + 1) * 4 + 7) & ~7) + <usize>n * <usize>n * 8 + certifyScratchBytes(layers, n);
}

/** Breadth-first levels from the source; true when the sink is reachable in the residual graph. */
function levels(source: i32): bool {
  const n = gN;
  for (let l = 0; l <= gL; l++) {
    const unseen = bits(gUnseen, l);
    for (let w = 0; w < gW; w++) {
      const left = n - (w << 6);
      store<u64>(unseen + (<usize>w << 3), left >= 64 ? <u64>-1 : (<u64>1 << <u64>left) - 1);
    }
    store<i32>(i32At(gAtUsed, l), -1);
  }
  clearBit(bits(gUnseen, 0), source);
  store<i32>(i32At(gLevel, source), 0);
  setBit(atLevel(0, 0), source);
  store<i32>(gQueue, source);
  const sinkToken = gSink - gL * n;
  let sinkLevel = -1;
  let head = 0;
  let tail = 1;
  while (head < tail) {
    const u = load<i32>(i32At(gQueue, head++));
    const lu = load<i32>(i32At(gLevel, u));
    if (sinkLevel >= 0 && lu >= sinkLevel) break;
    const l = u / n;
    const a = u - l * n;
    if (l + 1 == gL) {
      if (sinkLevel < 0 && hasBit(bits(gFwd, l * n + a), sinkToken)) {
        sinkLevel = lu + 1;
        store<i32>(i32At(gLevel, gSink), sinkLevel);
        setBit(atLevel(gL, sinkLevel), sinkToken);
      }
    } else if (l < gL) {
      tail = discover(bits(gFwd, l * n + a), l + 1, lu + 1, tail);
    }
    // Reverse edges into layer 0 only reach the source: no other input token carries flow.
    if (l >= 2) tail = discover(bits(gBwd, (l - 1) * n + a), l - 1, lu + 1, tail);
  }
  return sinkLevel >= 0;
}

/** Gives level `level` to the unseen tokens of `layer` in `reach` and queues them. */
function discover(reach: usize, layer: i32, level: i32, tail: i32): i32 {
  const unseen = bits(gUnseen, layer);
  let set: usize = 0;
  for (let w = 0; w < gW; w++) {
    const o = <usize>w << 3;
    let fresh = load<u64>(reach + o) & load<u64>(unseen + o);
    if (fresh == 0) continue;
    store<u64>(unseen + o, load<u64>(unseen + o) & ~fresh);
    if (!set) set = atLevel(layer, level);
    store<u64>(set + o, load<u64>(set + o) | fresh);
    while (fresh != 0) {
      const v = layer * gN + (w << 6) + <i32>ctz(fresh);
      fresh &= fresh - 1;
      store<i32>(i32At(gLevel, v), level);
      store<i32>(i32At(gQueue, tail++), v);
    }
  }
  return tail;
}

/** Moves d units along (l, a) -> (l + 1, b): positive d adds flow, negative d cancels it. */
function addFlow(l: i32, a: i32, b: i32, d: f64): void {
  const n = gN;
  const fi = l * n * n + a * n + b;
  const bi = l * n * n + b * n + a;
  const rf = load<f64>(f64At(gRf, fi)) - d;
  const rb = load<f64>(f64At(gRb, bi)) + d;
  store<f64>(f64At(gRf, fi), rf);
  store<f64>(f64At(gRb, bi), rb);
  if (rf > EPS) setBit(bits(gFwd, l * n + a), b);
  else clearBit(bits(gFwd, l * n + a), b);
  if (rb > EPS) setBit(bits(gBwd, l * n + b), a);
  else clearBit(bits(gBwd, l * n + b), a);
  if (!load<u8>(gFlags + <usize>fi)) {
    store<u8>(gFlags + <usize>fi, 1);
    store<i32>(i32At(gTouched, gTouchedCount++), fi);
  }
}

/** Pushes up to `limit` from u towards the sink along the level graph; returns the amount pushed. */
function push(u: i32, limit: f64): f64 {
  if (u == gSink) return limit;
  const n = gN;
  const l = u / n;
  const a = u - l * n;
  const next = load<i32>(i32At(gLevel, u)) + 1;
  let pushed: f64 = 0;
  if (l + 1 == gL) {
    const b = gSink - gL * n;
    if (load<i32>(i32At(gLevel, gSink)) == next && hasBit(bits(gFwd, l * n + a), b)) {
      const r = load<f64>(f64At(gRf, l * n * n + a * n + b));
      pushed = min(r, limit);
      addFlow(l, a, b, pushed);
    }
  } else if (l < gL) {
    const targets = atLevel(l + 1, next);
    const edges = bits(gFwd, l * n + a);
    // The token's own edge first: the residual connection gives it at least half of the capacity,
    // so the flow splits into far fewer pieces than in token order.
    let b = hasBit(edges, a) && hasBit(targets, a) ? a : firstCommon(edges, targets);
    for (; b >= 0; b = firstCommon(edges, targets)) {
      const r = load<f64>(f64At(gRf, l * n * n + a * n + b));
      const d = push((l + 1) * n + b, min(r, limit - pushed));
      if (d > 0) {
        addFlow(l, a, b, d);
        pushed += d;
        if (limit - pushed <= EPS) return pushed;
      }
      // Either the edge is now saturated (its bit cleared) or b is a dead end (cleared below).
      if (hasBit(edges, b) && hasBit(targets, b)) clearBit(targets, b);
    }
  }
  if (l >= 2) {
    const targets = atLevel(l - 1, next);
    const edges = bits(gBwd, (l - 1) * n + a);
    for (let b = firstCommon(edges, targets); b >= 0; b = firstCommon(edges, targets)) {
      const r = load<f64>(f64At(gRb, (l - 1) * n * n + a * n + b));
      const d = push((l - 1) * n + b, min(r, limit - pushed));
      if (d > 0) {
        addFlow(l - 1, b, a, -d);
        pushed += d;
        if (limit - pushed <= EPS) return pushed;
      }
      if (hasBit(edges, b) && hasBit(targets, b)) clearBit(targets, b);
    }
  }
  return pushed;
}

/** Dinic's max-flow from input token `from` (layer 0) to output token `to` (layer L). */
function maxFlow(from: i32, to: i32): f64 {
  const n = gN;
  const nn = n * n;
  const source = from;
  gSink = gL * n + to;
  // No flow exceeds what leaves the source or enters the sink; reaching that bound spares the
  // last, exhaustive search that proves no augmenting path is left.
  let out: f64 = 0;
  let into: f64 = 0;
  for (let b = 0; b < n; b++) out += load<f64>(f64At(gCf, from * n + b));
  for (let a = 0; a < n; a++) into += load<f64>(f64At(gCf, (gL - 1) * nn + a * n + to));
  const bound = min(out, into) - EPS;
  let total: f64 = 0;
  // Asking the source for no more than the bound keeps the search from exploring paths whose flow
  // the sink could not take anyway.
  while (total < bound && levels(source)) total += push(source, bound + EPS - total);
  // Restore the residual graph for the next pair, touching only the edges that carried flow.
  for (let t = 0; t < gTouchedCount; t++) {
    const fi = load<i32>(i32At(gTouched, t));
    const l = fi / nn;
    const rest = fi - l * nn;
    const a = rest / n;
    const b = rest - a * n;
    const cap = load<f64>(f64At(gCf, fi));
    store<f64>(f64At(gRf, fi), cap);
    store<f64>(f64At(gRb, l * nn + b * n + a), 0);
    if (cap > EPS) setBit(bits(gFwd, l * n + a), b);
    clearBit(bits(gBwd, l * n + b), a);
    store<u8>(gFlags + <usize>fi, 0);
  }
  gTouchedCount = 0;
  return total;
}

/**
 * Attention flow into out (n x n, float64): out[i][j] is the maximum flow from input token j to
 * output token i through the layered graph of residual-averaged attention, so rows read like
 * rollout's. scratch holds attentionFlowScratchBytes(layers, n) bytes, 8-byte aligned.
 */
export function attentionFlow(attn: usize, layers: i32, heads: i32, n: i32, out: usize, scratch: usize): void {
  const nn = n * n;
  const edges = <usize>layers * <usize>nn;
  const nodes = <usize>(layers + 1) * <usize>n;
  gN = n;
  gL = layers;
  gW = (n + 63) >> 6;
  gK = <i32>(nodes >> 1) + 2;
  const w = <usize>gW;
  gCf = scratch;
  gRf = gCf + edges * 8;
  gRb = gRf + edges * 8;
  gFlags = gRb + edges * 8;
  gTouched = gFlags + ((edges + 7) & ~7);
  gFwd = gTouched + ((edges * 4 + 7) & ~7);
  gBwd = gFwd + <usize>layers * <usize>n * w * 8;
  gLevel = gBwd + <usize>layers * <usize>n * w * 8;
  gQueue = gLevel + nodes * 4;
  gUnseen = gLevel + ((nodes * 8 + 7) & ~7);
  gAt = gUnseen + <usize>(layers + 1) * w * 8;
  gAtUsed = gAt + <usize>(layers + 1) * <usize>gK * w * 8;
  const a = gAtUsed + ((<usize>(layers + 1) * 4 + 7) & ~7);
  gTouchedCount = 0;
  const layerBytes = <usize>heads * <usize>nn << 2;
  memory.fill(gFwd, 0, 2 * <usize>layers * <usize>n * w * 8);
  for (let l = 0; l < layers; l++) {
    residualAverage64(attn + <usize>l * layerBytes, heads, n, a);
    for (let b = 0; b < n; b++) {
      for (let c = 0; c < n; c++) {
        const cap = load<f64>(f64At(a, b * n + c));
        store<f64>(f64At(gCf, l * nn + c * n + b), cap);
        if (cap > EPS) setBit(bits(gFwd, l * n + c), b);
      }
    }
  }
  memory.copy(gRf, gCf, edges * 8);
  memory.fill(gRb, 0, edges * 8);
  memory.fill(gFlags, 0, edges);
  certifyInit(a + <usize>nn * 8);
  for (let j = 0; j < n; j++) {
    certifySource(j);
    for (let i = 0; i < n; i++) {
      const v = certify(i);
      store<f64>(f64At(out, i * n + j), v >= 0 ? v : maxFlow(j, i));
    }
  }
}

// Certificates. Write x_l for the flow through layer l when v units leave the source token s and
// every node splits what it receives over its out-edges in proportion to their capacities
// (x_0 = v at s; x_{l+1}(b) = sum_a x_l(a) cap_l(a, b) / out_l(a)), and y_l for the flow through
// layer l when v units reach the sink token t and every node draws what it sends from its in-edges
// in proportion to their capacities (y_L = v at t; y_l(a) = sum_b cap_l(a, b) y_{l+1}(b), since the
// capacities into every node sum to 1, up to rounding). Splitting forward is feasible while x_l(a) <= out_l(a);
// drawing backward always is (y_l(b) <= v <= 1 = the capacity into b). Joining both at one
// transition m with flow x_m(a) y_{m+1}(b) / v on edge (m, a) -> (m + 1, b) conserves flow at both
// ends and is a flow of value v from s to t, feasible when x_m(a) y_{m+1}(b) / v <= cap_m(a, b) for
// all a, b. That is v y'(b) <= min_a cap_m(a, b) / x'_m(a) with x' and y' the unit-total vectors,
// so per source the right side (`gReach`) is computed once per transition, per sink the y' once, and
// each pair costs a few n-long comparisons. When one holds the upper bound v is the maximum flow;
// on random 128-token BERT-like stacks more than 9 in 10 pairs are settled this way.
let gY: usize = 0; // per sink t: y'_l for l = 1..L, ((t * L) + l - 1) * n
let gOut: usize = 0; // out_l(a), l * n + a
let gInto: usize = 0; // capacity into each sink token
let gReach: usize = 0; // per transition m of the current source: min_a cap_m(a, b) / x'_m(a)
let gX: usize = 0; // x' at the current layer, then the next (2 n)
let gMeet = 0; // transitions 0..gMeet - 1 can join the current source's forward split
let gLastMeet = 0;
let gV: f64 = 0; // out_0 of the current source

function certifyScratchBytes(layers: i32, n: i32): usize {
  const nl = <usize>n * <usize>layers;
  return (nl * <usize>n + 2 * nl + <usize>n + 2 * <usize>n) * 8;
}

/** Lays out the certificate buffers from `at` and computes out_l and every sink's y'. */
function certifyInit(at: usize): void {
  const n = gN;
  const L = gL;
  const nn = n * n;
  gY = at;
  gOut = gY + <usize>n * <usize>L * <usize>n * 8;
  gInto = gOut + <usize>L * <usize>n * 8;
  gReach = gInto + <usize>n * 8;
  gX = gReach + <usize>L * <usize>n * 8;
  for (let l = 0; l < L; l++) {
    for (let a = 0; a < n; a++) {
      store<f64>(f64At(gOut, l * n + a), rowSum(f64At(gCf, l * nn + a * n), n));
    }
  }
  for (let t = 0; t < n; t++) {
    let into: f64 = 0;
    for (let a = 0; a < n; a++) into += load<f64>(f64At(gCf, (L - 1) * nn + a * n + t));
    store<f64>(f64At(gInto, t), into);
    const yt = f64At(gY, t * L * n);
    // y'_L = the unit at t.
    memory.fill(yt + <usize>(L - 1) * <usize>n * 8, 0, <usize>n * 8);
    store<f64>(f64At(yt, (L - 1) * n + t), 1);
    for (let l = L - 1; l >= 1; l--) {
      const next = f64At(yt, l * n);
      const cur = f64At(yt, (l - 1) * n);
      for (let a = 0; a < n; a++) store<f64>(f64At(cur, a), dot(f64At(gCf, l * nn + a * n), next, n));
    }
  }
}

/** Sum of n float64 values. */
function rowSum(p: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += load<f64>(f64At(p, i));
  return s;
}

/** Dot product of n float64 values. */
function dot(p: usize, q: usize, n: i32): f64 {
  let i = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f64x2.splat(0);
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      acc = f64x2.add(acc, f64x2.mul(v128.load(p + o), v128.load(q + o)));
    }
    s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; i < n; i++) s += load<f64>(f64At(p, i)) * load<f64>(f64At(q, i));
  return s;
}

/** Forward split from input token s: gReach per transition and gMeet. */
function certifySource(s: i32): void {
  const n = gN;
  const L = gL;
  const nn = n * n;
  gV = load<f64>(f64At(gOut, s));
  let maxInto: f64 = 0;
  for (let t = 0; t < n; t++) maxInto = max(maxInto, load<f64>(f64At(gInto, t)));
  // Forward feasibility is checked at the largest value any sink can ask for.
  const v = min(gV, maxInto);
  let x = gX;
  let next = gX + <usize>n * 8;
  memory.fill(x, 0, <usize>n * 8);
  store<f64>(f64At(x, s), 1);
  gMeet = L;
  for (let m = 0; m < L; m++) {
    const reach = f64At(gReach, m * n);
    const caps = f64At(gCf, m * nn);
    for (let b = 0; b < n; b++) store<f64>(f64At(reach, b), Infinity);
    memory.fill(next, 0, <usize>n * 8);
    let feasible = true;
    for (let a = 0; a < n; a++) {
      const xa = load<f64>(f64At(x, a));
      if (xa <= 0) continue;
      const outA = load<f64>(f64At(gOut, m * n + a));
      if (m > 0 && v * xa > outA) feasible = false;
      scaleMin(reach, f64At(caps, a * n), 1 / xa, n);
      axpy(next, f64At(caps, a * n), xa / outA, n);
    }
    if (!feasible) {
      // Layer m cannot split forward: joins at m itself remain, later ones do not.
      gMeet = m + 1;
      break;
    }
    const t = x;
    x = next;
    next = t;
  }
  if (gLastMeet >= gMeet) gLastMeet = 0;
}

/** reach[b] = min(reach[b], row[b] * k). */
function scaleMin(reach: usize, row: usize, k: f64, n: i32): void {
  let b = 0;
  if (ASC_FEATURE_SIMD) {
    const vk = f64x2.splat(k);
    for (; b + 2 <= n; b += 2) {
      const o = <usize>b << 3;
      v128.store(reach + o, f64x2.min(v128.load(reach + o), f64x2.mul(v128.load(row + o), vk)));
    }
  }
  for (; b < n; b++) {
    store<f64>(f64At(reach, b), min(load<f64>(f64At(reach, b)), load<f64>(f64At(row, b)) * k));
  }
}

/** dst[b] += row[b] * k. */
function axpy(dst: usize, row: usize, k: f64, n: i32): void {
  let b = 0;
  if (ASC_FEATURE_SIMD) {
    const vk = f64x2.splat(k);
    for (; b + 2 <= n; b += 2) {
      const o = <usize>b << 3;
      v128.store(dst + o, f64x2.add(v128.load(dst + o), f64x2.mul(v128.load(row + o), vk)));
    }
  }
  for (; b < n; b++) store<f64>(f64At(dst, b), load<f64>(f64At(dst, b)) + load<f64>(f64At(row, b)) * k);
}

/** True when v y'(b) <= reach[b] for every b. */
function joins(y: usize, reach: usize, v: f64, n: i32): bool {
  for (let b = 0; b < n; b++) {
    if (v * load<f64>(f64At(y, b)) > load<f64>(f64At(reach, b))) return false;
  }
  return true;
}

/** The maximum flow from the current source to output token t when certified, else -1. */
function certify(t: i32): f64 {
  const n = gN;
  const v = min(gV, load<f64>(f64At(gInto, t)));
  const yt = f64At(gY, t * gL * n);
  if (joins(f64At(yt, gLastMeet * n), f64At(gReach, gLastMeet * n), v, n)) return v;
  for (let m = 0; m < gMeet; m++) {
    if (m != gLastMeet && joins(f64At(yt, m * n), f64At(gReach, m * n), v, n)) {
      gLastMeet = m;
      return v;
    }
  }
  return -1;
}
