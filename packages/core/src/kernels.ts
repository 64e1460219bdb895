/**
 * The WebAssembly SIMD kernels (wasm/) as core uses them: loaded once, on first use, with the SIMD
 * build where the runtime validates SIMD and the scalar build elsewhere. Runtimes that cannot compile
 * wasm from bytes (Cloudflare workerd) hand in precompiled kernels with {@link useKernels}.
 *
 * @module
 */
import { type Kernels, loadKernels } from "@glassbox/wasm";

let kernels: Promise<Kernels> | undefined;

/** Uses these kernels (for example created from an imported `WebAssembly.Module` in workerd). */
export function useKernels(k: Kernels | Promise<Kernels>): void {
  kernels = Promise.resolve(k);
}

/** The kernels, loaded on first use. */
export function getKernels(): Promise<Kernels> {
  kernels ??= loadKernels().catch((error) => {
    kernels = undefined;
    throw error;
  });
  return kernels;
}

export type { Kernels };
