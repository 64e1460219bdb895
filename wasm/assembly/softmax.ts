// Row-wise softmax, log-softmax and top-k over float32 logits laid out rows x vocab (row-major),
// the shapes a language model head produces (e.g. 64 x 50257). Both softmaxes subtract the row
// maximum first, so no exp overflows.
import { hmax4, hsum4 } from "./simd";

function rowMax(row: usize, n: i32): f32 {
  let m = -Infinity as f32;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 16) {
      // pmax is one instruction (max with NaN checks is several) and four accumulators keep four
      // in flight; NaN logits are not supported anyway.
      let a0 = v128.load(row);
      let a1 = v128.load(row, 16);
      let a2 = v128.load(row, 32);
      let a3 = v128.load(row, 48);
      for (i = 16; i + 16 <= n; i += 16) {
        const p = row + (<usize>i << 2);
        a0 = f32x4.pmax(a0, v128.load(p));
        a1 = f32x4.pmax(a1, v128.load(p, 16));
        a2 = f32x4.pmax(a2, v128.load(p, 32));
        a3 = f32x4.pmax(a3, v128.load(p, 48));
      }
      m = hmax4(f32x4.pmax(f32x4.pmax(a0, a1), f32x4.pmax(a2, a3)));
    }
  }
  for (; i < n; i++) m = max(m, load<f32>(row + (<usize>i << 2)));
  return m;
}

// Sums run in float32 within blocks of this many entries and in float64 across blocks: a single
// float32 accumulator over 50257 terms drifts by 1e-5 relative.
const BLOCK = 1024;

// Constants of the vector exp, each splatted to four lanes. They sit in memory and are loaded into
// locals before the loop: as v128.const operands inside it, V8 rebuilds every one of them on each
// iteration, which made the loop 1.5x slower.
const EXP = memory.data<f32>([
  -87.0, -87.0, -87.0, -87.0, // below: the result is 0
  12582912.0, 12582912.0, 12582912.0, 12582912.0, // 1.5 * 2^23, rounds to an integer
  1.44269504088896341, 1.44269504088896341, 1.44269504088896341, 1.44269504088896341, // log2(e)
  0.693359375, 0.693359375, 0.693359375, 0.693359375, // ln 2, high part
  -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, // ln 2, low part
  1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4,
  1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3,
  8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3,
  4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2,
  1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1,
  5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1,
  1.0, 1.0, 1.0, 1.0,
]);

/**
 * Writes exp(src - m) to dst (dst may be 0 to only sum) and returns the sum.
 *
 * The vector exp (arguments <= 0) reduces x = n ln2 + r with |r| <= ln2/2, evaluates exp(r) with a
 * degree-6 polynomial (Cephes coefficients, relative error about 2e-7 like expf) and builds 2^n in
 * the exponent bits. Adding 1.5 * 2^23 rounds x log2(e) to the integer n and leaves n in the low
 * mantissa bits, cheaper than a rounding and a conversion. Below -87, where 2^n would leave the
 * normal range, it gives 0.
 */
function expShiftSum(src: usize, dst: usize, n: i32, m: f32): f32 {
  let total: f64 = 0;
  for (let start = 0; start < n; start += BLOCK) {
    const end = min(start + BLOCK, n);
    let sum: f32 = 0;
    let i = start;
    if (ASC_FEATURE_SIMD) {
      const vm = f32x4.splat(m);
      const low = v128.load(EXP);
      const shifter = v128.load(EXP, 16);
      const log2e = v128.load(EXP, 32);
      const ln2hi = v128.load(EXP, 48);
      const ln2lo = v128.load(EXP, 64);
      const c0 = v128.load(EXP, 80);
      const c1 = v128.load(EXP, 96);
      const c2 = v128.load(EXP, 112);
      const c3 = v128.load(EXP, 128);
      const c4 = v128.load(EXP, 144);
      const c5 = v128.load(EXP, 160);
      const one = v128.load(EXP, 176);
      // The bits of k are those of the shifter plus n; adding 127 - shifter bits and shifting by 23
      // gives the float 2^n.
      const bias = i32x4.sub(i32x4.splat(127), shifter);
      let acc = f32x4.splat(0);
      for (; i + 4 <= end; i += 4) {
        const x = f32x4.sub(v128.load(src + (<usize>i << 2)), vm);
        const k = f32x4.add(f32x4.mul(x, log2e), shifter);
        const kn = f32x4.sub(k, shifter);
        const r = f32x4.sub(f32x4.sub(x, f32x4.mul(kn, ln2hi)), f32x4.mul(kn, ln2lo));
        let p = f32x4.add(f32x4.mul(c0, r), c1);
        p = f32x4.add(f32x4.mul(p, r), c2);
        p = f32x4.add(f32x4.mul(p, r), c3);
        p = f32x4.add(f32x4.mul(p, r), c4);
        p = f32x4.add(f32x4.mul(p, r), c5);
        p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), one);
        const e = v128.andnot(f32x4.mul(p, i32x4.shl(i32x4.add(k, bias), 23)), f32x4.lt(x, low));
        if (dst) v128.store(dst + (<usize>i << 2), e);
        acc = f32x4.add(acc, e);
      }
      sum = hsum4(acc);
    }
    for (; i < end; i++) {
      const e = Mathf.exp(load<f32>(src + (<usize>i << 2)) - m);
      if (dst) store<f32>(dst + (<usize>i << 2), e);
      sum += e;
    }
    total += sum;
  }
  return <f32>total;
}

/** Softmax of each of `rows` rows of length `n` from src into dst (may be the same buffer). */
export function softmax(src: usize, dst: usize, rows: i32, n: i32): void {
  const stride = <usize> n << 2;
  for (let r = 0; r < rows; r++) {
    const s = src + <usize> r * stride;
    const d = dst + <usize> r * stride;
    const inv: f32 = 1.0 / expShiftSum(s, d, n, rowMax(s, n));
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const vinv = f32x4.splat(inv);
      for (; i + 4 <= n; i += 4) {
        const p = d + (<usize> i << 2);
        v128.store(p, f32x4.mul(v128.load(p), vinv));
      }
    }
    for (; i < n; i++) store<f32>(d + (<usize> i << 2), load<f32>(d + (<usize> i << 2)) * inv);
  }
}

/** Log-softmax of each row: x - max - log(sum exp(x - max)). src and dst may be the same. */
export function logSoftmax(src: usize, dst: usize, rows: i32, n: i32): void {
  const stride = <usize> n << 2;
  for (let r = 0; r < rows; r++) {
    const s = src + <usize> r * stride;
    const d = dst + <usize> r * stride;
    const m = rowMax(s, n);
    const shift: f32 = m + Mathf.log(expShiftSum(s, 0, n, m));
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const vs = f32x4.splat(shift);
      for (; i + 4 <= n; i += 4) {
        v128.store(d + (<usize> i << 2), f32x4.sub(v128.load(s + (<usize> i << 2)), vs));
      }
    }
    for (; i < n; i++) store<f32>(d + (<usize> i << 2), load<f32>(s + (<usize> i << 2)) - shift);
  }
}

// The top-k heap keeps its worst entry at the root. "Worse" means a smaller value, or the same
// value at a larger index, so that ties come out in index order.
// @ts-ignore: decorator
@inline function worse(va: f32, ia: i32, vb: f32, ib: i32): bool {
  return va < vb || (va == vb && ia > ib);
}

function siftDown(vals: usize, idx: usize, size: i32, at: i32): void {
  const v = load<f32>(vals + (<usize> at << 2));
  const ix = load<i32>(idx + (<usize> at << 2));
  let pos = at;
  while (true) {
    let child = 2 * pos + 1;
    if (child >= size) break;
    let cv = load<f32>(vals + (<usize> child << 2));
    let ci = load<i32>(idx + (<usize> child << 2));
    if (child + 1 < size) {
      const rv = load<f32>(vals + (<usize> (child + 1) << 2));
      const ri = load<i32>(idx + (<usize> (child + 1) << 2));
      if (worse(rv, ri, cv, ci)) {
        child++;
        cv = rv;
        ci = ri;
      }
    }
    if (!worse(cv, ci, v, ix)) break;
    store<f32>(vals + (<usize> pos << 2), cv);
    store<i32>(idx + (<usize> pos << 2), ci);
    pos = child;
  }
  store<f32>(vals + (<usize> pos << 2), v);
  store<i32>(idx + (<usize> pos << 2), ix);
}

// @ts-ignore: decorator
@inline function offer(vals: usize, idx: usize, k: i32, v: f32, i: i32): void {
  // Entries arrive in index order, so an equal value never beats the root.
  if (v > load<f32>(vals)) {
    store<f32>(vals, v);
    store<i32>(idx, i);
    siftDown(vals, idx, k, 0);
  }
}

/**
 * The k largest entries of each row, in descending order (ties by ascending index), written to
 * outIdx / outVal (rows x k). Requires 1 <= k <= n; NaN entries are not supported.
 */
export function topK(src: usize, rows: i32, n: i32, k: i32, outIdx: usize, outVal: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = src + <usize> r * (<usize> n << 2);
    const vals = outVal + <usize> r * (<usize> k << 2);
    const idx = outIdx + <usize> r * (<usize> k << 2);
    for (let i = 0; i < k; i++) {
      store<f32>(vals + (<usize> i << 2), load<f32>(row + (<usize> i << 2)));
      store<i32>(idx + (<usize> i << 2), i);
    }
    for (let i = (k >> 1) - 1; i >= 0; i--) siftDown(vals, idx, k, i);
    let i = k;
    if (ASC_FEATURE_SIMD) {
      // Most of a vocabulary lies below the current k-th best: test sixteen at a time against it.
      let threshold = f32x4.splat(load<f32>(vals));
      for (; i + 16 <= n; i += 16) {
        const p = row + (<usize> i << 2);
        const hit = v128.or(
          v128.or(f32x4.gt(v128.load(p), threshold), f32x4.gt(v128.load(p, 16), threshold)),
          v128.or(f32x4.gt(v128.load(p, 32), threshold), f32x4.gt(v128.load(p, 48), threshold)),
        );
        if (v128.any_true(hit)) {
          for (let j = i; j < i + 16; j++) offer(vals, idx, k, load<f32>(row + (<usize> j << 2)), j);
          threshold = f32x4.splat(load<f32>(vals));
        }
      }
    }
    for (; i < n; i++) offer(vals, idx, k, load<f32>(row + (<usize> i << 2)), i);
    // Heap sort: moving the worst entry to the back leaves the row sorted best first.
    for (let end = k - 1; end > 0; end--) {
      const v0 = load<f32>(vals);
      const i0 = load<i32>(idx);
      store<f32>(vals, load<f32>(vals + (<usize> end << 2)));
      store<i32>(idx, load<i32>(idx + (<usize> end << 2)));
      store<f32>(vals + (<usize> end << 2), v0);
      store<i32>(idx + (<usize> end << 2), i0);
      siftDown(vals, idx, end, 0);
    }
  }
}
