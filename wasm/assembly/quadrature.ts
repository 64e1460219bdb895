// Gauss-Legendre nodes and weights on [0, 1] (integrated gradients with `integration:
// gauss-legendre`): the roots of the Legendre polynomial P_N found by Newton's method in float64.
// The SIMD body refines two roots at once in the two float64 lanes.

/** Initial guess for the k-th root (descending from 1), close enough for Newton to converge. */
// @ts-ignore: decorator
@inline function guess(k: i32, n: i32): f64 {
  return Math.cos(Math.PI * (<f64> k + 0.75) / (<f64> n + 0.5));
}

function store2(nodes: usize, weights: usize, n: i32, k: i32, x: f64, dp: f64): void {
  // On [-1, 1] the weight is 2 / ((1 - x^2) P'(x)^2); mapping to [0, 1] halves it.
  const w = 1.0 / ((1.0 - x * x) * dp * dp);
  store<f64>(nodes + (<usize> k << 3), 0.5 * (1.0 - x));
  store<f64>(weights + (<usize> k << 3), w);
  store<f64>(nodes + (<usize> (n - 1 - k) << 3), 0.5 * (1.0 + x));
  store<f64>(weights + (<usize> (n - 1 - k) << 3), w);
}

/** Writes the n nodes (ascending) and weights of the n-point rule on [0, 1]. */
export function gaussLegendre(n: i32, nodes: usize, weights: usize): void {
  const half = (n + 1) >> 1;
  const fn = <f64> n;
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    for (; k + 2 <= half; k += 2) {
      let x = f64x2.replace_lane(f64x2.splat(guess(k, n)), 1, guess(k + 1, n));
      let dp = f64x2.splat(1);
      // Newton until both lanes move by less than 1e-14, then one more step and the derivative there.
      for (let iter = 0, done = 0; iter < 100 && done < 2; iter++) {
        let p0 = f64x2.splat(1);
        let p1 = x;
        for (let j = 2; j <= n; j++) {
          const fj = <f64> j;
          const p2 = f64x2.div(
            f64x2.sub(
              f64x2.mul(f64x2.mul(f64x2.splat(2 * fj - 1), x), p1),
              f64x2.mul(f64x2.splat(fj - 1), p0),
            ),
            f64x2.splat(fj),
          );
          p0 = p1;
          p1 = p2;
        }
        dp = f64x2.div(
          f64x2.mul(f64x2.splat(fn), f64x2.sub(f64x2.mul(x, p1), p0)),
          f64x2.sub(f64x2.mul(x, x), f64x2.splat(1)),
        );
        const dx = f64x2.div(p1, dp);
        x = f64x2.sub(x, dx);
        const small = f64x2.lt(f64x2.abs(dx), f64x2.splat(1e-14));
        if (done > 0 || v128.all_true<i64>(small)) done++;
      }
      store2(nodes, weights, n, k, f64x2.extract_lane(x, 0), f64x2.extract_lane(dp, 0));
      store2(nodes, weights, n, k + 1, f64x2.extract_lane(x, 1), f64x2.extract_lane(dp, 1));
    }
  }
  for (; k < half; k++) {
    let x = guess(k, n);
    let dp: f64 = 1;
    for (let iter = 0, done = 0; iter < 100 && done < 2; iter++) {
      let p0: f64 = 1;
      let p1 = x;
      for (let j = 2; j <= n; j++) {
        const fj = <f64> j;
        const p2 = ((2 * fj - 1) * x * p1 - (fj - 1) * p0) / fj;
        p0 = p1;
        p1 = p2;
      }
      dp = fn * (x * p1 - p0) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (done > 0 || Math.abs(dx) < 1e-14) done++;
    }
    store2(nodes, weights, n, k, x, dp);
  }
}
