// Weighted least squares with a ridge term through a Cholesky factorisation, in float64:
// (X^T W X + lambda I) beta = X^T W y, the fit inside KernelSHAP and LIME (p up to about 128
// features, m up to a few thousand perturbed samples). Forming the Gram matrix costs m p^2 / 2 and
// dominates; it runs as rank-4 updates so that each pass over the p x p matrix takes four samples.
import { hsum2 } from "./simd";

/** g[i, j..p) += sum_t s_t * x_t[j..p) for the four sample rows x0..x3 (the upper triangle). */
function rank4Row(
  g: usize,
  x0: usize,
  x1: usize,
  x2: usize,
  x3: usize,
  s0: f64,
  s1: f64,
  s2: f64,
  s3: f64,
  j0: i32,
  p: i32,
): void {
  let j = j0;
  if (ASC_FEATURE_SIMD) {
    const v0 = f64x2.splat(s0);
    const v1 = f64x2.splat(s1);
    const v2 = f64x2.splat(s2);
    const v3 = f64x2.splat(s3);
    for (; j + 2 <= p; j += 2) {
      const o = <usize> j << 3;
      const a = f64x2.add(f64x2.mul(v0, v128.load(x0 + o)), f64x2.mul(v1, v128.load(x1 + o)));
      const b = f64x2.add(f64x2.mul(v2, v128.load(x2 + o)), f64x2.mul(v3, v128.load(x3 + o)));
      v128.store(g + o, f64x2.add(v128.load(g + o), f64x2.add(a, b)));
    }
  }
  for (; j < p; j++) {
    const o = <usize> j << 3;
    const t = s0 * load<f64>(x0 + o) + s1 * load<f64>(x1 + o) +
      (s2 * load<f64>(x2 + o) + s3 * load<f64>(x3 + o));
    store<f64>(g + o, load<f64>(g + o) + t);
  }
}

/** Dot product of a[0..n) and b[0..n), float64. */
function dot(a: usize, b: usize, n: i32): f64 {
  let s: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f64x2.splat(0);
    for (; i + 2 <= n; i += 2) {
      acc = f64x2.add(
        acc,
        f64x2.mul(v128.load(a + (<usize> i << 3)), v128.load(b + (<usize> i << 3))),
      );
    }
    s = hsum2(acc);
  }
  for (; i < n; i++) s += load<f64>(a + (<usize> i << 3)) * load<f64>(b + (<usize> i << 3));
  return s;
}

/**
 * Solves (X^T W X + lambda I) beta = X^T W y. x is m x p row-major, w and y have m entries, gram is
 * p x p scratch, beta receives p entries. Returns 0 on success, or k + 1 when the k-th Cholesky pivot
 * is not positive: below 1e-12 times the largest diagonal entry, i.e. the system is not positive
 * definite to working precision.
 */
export function ridgeSolve(
  x: usize,
  w: usize,
  y: usize,
  m: i32,
  p: i32,
  lambda: f64,
  gram: usize,
  beta: usize,
): i32 {
  const rowBytes = <usize> p << 3;
  memory.fill(gram, 0, <usize> p * rowBytes);
  memory.fill(beta, 0, rowBytes);
  // Samples with zero weight are skipped; the rest are taken four at a time (padding with a zero
  // weight on the last group).
  let r = 0;
  while (r < m) {
    let x0: usize = 0, x1: usize = 0, x2: usize = 0, x3: usize = 0;
    let w0: f64 = 0, w1: f64 = 0, w2: f64 = 0, w3: f64 = 0;
    let taken = 0;
    while (r < m && taken < 4) {
      const wr = load<f64>(w + (<usize> r << 3));
      if (wr != 0) {
        const row = x + <usize> r * rowBytes;
        const yr = wr * load<f64>(y + (<usize> r << 3));
        for (let i = 0; i < p; i++) {
          const o = <usize> i << 3;
          store<f64>(beta + o, load<f64>(beta + o) + yr * load<f64>(row + o));
        }
        if (taken == 0) {
          x0 = row;
          w0 = wr;
        } else if (taken == 1) {
          x1 = row;
          w1 = wr;
        } else if (taken == 2) {
          x2 = row;
          w2 = wr;
        } else {
          x3 = row;
          w3 = wr;
        }
        taken++;
      }
      r++;
    }
    if (taken == 0) break;
    if (taken < 2) x1 = x0;
    if (taken < 3) x2 = x0;
    if (taken < 4) x3 = x0;
    for (let i = 0; i < p; i++) {
      const o = <usize> i << 3;
      rank4Row(
        gram + <usize> i * rowBytes,
        x0,
        x1,
        x2,
        x3,
        w0 * load<f64>(x0 + o),
        w1 * load<f64>(x1 + o),
        w2 * load<f64>(x2 + o),
        w3 * load<f64>(x3 + o),
        i,
        p,
      );
    }
  }
  // Mirror the upper triangle into the lower one (the factorisation reads rows) and add lambda.
  let maxDiag: f64 = 0;
  for (let i = 0; i < p; i++) {
    const d = gram + <usize> i * rowBytes + (<usize> i << 3);
    store<f64>(d, load<f64>(d) + lambda);
    maxDiag = max(maxDiag, load<f64>(d));
    for (let j = 0; j < i; j++) {
      store<f64>(
        gram + <usize> i * rowBytes + (<usize> j << 3),
        load<f64>(gram + <usize> j * rowBytes + (<usize> i << 3)),
      );
    }
  }
  // Cholesky G = L L^T in place (lower triangle), row-oriented so each entry is a contiguous dot.
  const tol = maxDiag * 1e-12;
  for (let j = 0; j < p; j++) {
    const rj = gram + <usize> j * rowBytes;
    const d = load<f64>(rj + (<usize> j << 3)) - dot(rj, rj, j);
    if (!(d > tol)) return j + 1;
    const ljj = Math.sqrt(d);
    store<f64>(rj + (<usize> j << 3), ljj);
    for (let i = j + 1; i < p; i++) {
      const ri = gram + <usize> i * rowBytes;
      store<f64>(ri + (<usize> j << 3), (load<f64>(ri + (<usize> j << 3)) - dot(ri, rj, j)) / ljj);
    }
  }
  // L z = b, then L^T beta = z (both in place in beta).
  for (let i = 0; i < p; i++) {
    const ri = gram + <usize> i * rowBytes;
    store<f64>(
      beta + (<usize> i << 3),
      (load<f64>(beta + (<usize> i << 3)) - dot(ri, beta, i)) / load<f64>(ri + (<usize> i << 3)),
    );
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = load<f64>(beta + (<usize> i << 3));
    for (let k = i + 1; k < p; k++) {
      s -= load<f64>(gram + <usize> k * rowBytes + (<usize> i << 3)) *
        load<f64>(beta + (<usize> k << 3));
    }
    store<f64>(
      beta + (<usize> i << 3),
      s / load<f64>(gram + <usize> i * rowBytes + (<usize> i << 3)),
    );
  }
  return 0;
}
