/**
 * WebAssembly kernels of glassbox, in AssemblyScript with a SIMD and a scalar build of the same
 * source: row-wise softmax, log-softmax and top-k over a vocabulary; sum, L2-norm and dot-product
 * reductions over the hidden dimension; a weighted ridge least-squares solve (KernelSHAP, LIME);
 * attention rollout and attention flow; Gauss-Legendre quadrature. Plain TypeScript twins of every
 * kernel are in `reference.ts`.
 *
 * `loadKernels()` picks the build for the running engine; `createKernels(module)` takes a
 * precompiled module (workerd imports wasm/build/kernels.simd.wasm as a module and passes it).
 *
 * @example
 * ```ts
 * import { loadKernels } from "./mod.ts";
 * const kernels = await loadKernels();
 * const scores = kernels.dotLastAxis(new Float32Array([1, 2, 3, 4]), new Float32Array([1, 1, 1, 1]), 2);
 * console.log(scores); // Float32Array [3, 7]
 * ```
 *
 * @module
 */
export * from "./kernels.ts";
export * from "./load.ts";
