/**
 * One kernels instance per process (or worker), for library code that needs the kernels without
 * knowing the runtime: `sharedKernels()` loads the build that suits the engine on first use. Where
 * compiling wasm from bytes is not allowed (Cloudflare workerd), the runtime entry calls
 * `provideKernels(module)` first with the imported module.
 *
 * @module
 */
import { createKernels, type Kernels } from "./kernels.ts";
import { loadKernels } from "./load.ts";

let shared: Promise<Kernels> | undefined;

/**
 * Sets the instance that {@linkcode sharedKernels} returns: a compiled module or bytes of one of
 * the builds, or kernels already created.
 *
 * @example workerd entry
 * ```ts ignore
 * import kernelsModule from "@glassbox/wasm/build/kernels.simd.wasm";
 * provideKernels(kernelsModule);
 * ```
 */
export function provideKernels(source: WebAssembly.Module | BufferSource | Kernels): void {
  shared = "variant" in source ? Promise.resolve(source) : createKernels(source);
}

/**
 * The shared kernels: the provided ones, or `loadKernels()` (SIMD where supported) on first use.
 * A failed load is not cached, so a later call tries again.
 */
export function sharedKernels(): Promise<Kernels> {
  if (!shared) {
    const loading = loadKernels();
    shared = loading;
    loading.catch(() => {
      if (shared === loading) shared = undefined;
    });
  }
  return shared;
}
