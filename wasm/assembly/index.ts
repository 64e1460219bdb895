// Entry of the kernel module. Built twice from this source, with and without `--enable simd`; each
// kernel picks its vector or scalar body on ASC_FEATURE_SIMD at compile time. No allocator: the
// JavaScript side lays out its buffers in linear memory above heapBase() and grows the memory.
export { logSoftmax, softmax, topK } from "./softmax";
export { dotRows, l2NormRows, sumRows } from "./reduce";
export { ridgeSolve } from "./solve";
export { attentionFlow, attentionFlowScratchBytes, attentionRollout } from "./attention";
export { gaussLegendre } from "./quadrature";

/** First byte free for the caller's buffers. */
export function heapBase(): usize {
  return __heap_base;
}

/** 1 in the SIMD build, 0 in the scalar one: lets the loader check which file it got. */
export function simd(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
