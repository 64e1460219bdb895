// Vector helpers shared by the kernels: horizontal reductions. They are only
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
