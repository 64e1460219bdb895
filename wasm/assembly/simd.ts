// Vector helpers shared by the kernels: horizontal reductions and a float32x4 exp. They are only
// referenced from `if (ASC_FEATURE_SIMD)` branches, which the compiler drops in the scalar build.

/** Sum of the four lanes. */
// @ts-ignore: decorator
@inline export function hsum4(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Largest of the four lanes. */
// @ts-ignore: decorator
@inline export function hmax4(v: v128): f32 {
  return max(
    max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
  );
}

/** Sum of the two float64 lanes. */
// @ts-ignore: decorator
@inline export function hsum2(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * exp on four float32 lanes, for arguments <= 0 (softmax after the max is subtracted).
 * Range reduction x = n ln2 + r with |r| <= ln2/2, a degree-6 polynomial for exp(r) (Cephes
 * coefficients, relative error about 2e-7 like expf) and 2^n built in the exponent bits.
 * Lanes below -87 (where 2^n would leave the normal range) give exactly 0.
 */
// @ts-ignore: decorator
@inline export function expNegative4(x: v128): v128 {
  const tiny = f32x4.lt(x, f32x4.splat(-87.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(p, scale), tiny);
}
