// Reductions over the last (hidden) axis of a rows x d float32 tensor, e.g. B x n x d gradients
// reduced to one score per token: sum, L2 norm, and the dot product of two tensors (gradient x
// input). Two vector accumulators keep two additions in flight.
import { hsum4 } from "./simd";

function rowSum(p: usize, d: i32): f32 {
  let s: f32 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    for (; i + 8 <= d; i += 8) {
      a0 = f32x4.add(a0, v128.load(p + (<usize> i << 2)));
      a1 = f32x4.add(a1, v128.load(p + (<usize> i << 2), 16));
    }
    for (; i + 4 <= d; i += 4) a0 = f32x4.add(a0, v128.load(p + (<usize> i << 2)));
    s = hsum4(f32x4.add(a0, a1));
  }
  for (; i < d; i++) s += load<f32>(p + (<usize> i << 2));
  return s;
}

function rowDot(a: usize, b: usize, d: i32): f32 {
  let s: f32 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    for (; i + 8 <= d; i += 8) {
      const o = <usize> i << 2;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
    }
    for (; i + 4 <= d; i += 4) {
      const o = <usize> i << 2;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    }
    s = hsum4(f32x4.add(a0, a1));
  }
  for (; i < d; i++) s += load<f32>(a + (<usize> i << 2)) * load<f32>(b + (<usize> i << 2));
  return s;
}

/** dst[r] = sum over the d entries of row r. */
export function sumRows(src: usize, dst: usize, rows: i32, d: i32): void {
  for (let r = 0; r < rows; r++) {
    store<f32>(dst + (<usize> r << 2), rowSum(src + <usize> r * (<usize> d << 2), d));
  }
}

/** dst[r] = Euclidean norm of row r. */
export function l2NormRows(src: usize, dst: usize, rows: i32, d: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = src + <usize> r * (<usize> d << 2);
    store<f32>(dst + (<usize> r << 2), Mathf.sqrt(rowDot(row, row, d)));
  }
}

/** dst[r] = dot product of row r of a and row r of b. */
export function dotRows(a: usize, b: usize, dst: usize, rows: i32, d: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize> r * (<usize> d << 2);
    store<f32>(dst + (<usize> r << 2), rowDot(a + o, b + o, d));
  }
}
