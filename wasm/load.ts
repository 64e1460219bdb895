/**
 * Loads the kernel build that suits the running engine, reading the .wasm files that sit next to
 * this module in wasm/build/: from disk for file: URLs (Deno.readFile in Deno, node:fs in Node),
 * with fetch for http(s) (browsers, Deno Deploy). Workers that cannot compile bytes (workerd)
 * import the module themselves and call createKernels.
 *
 * @module
 */
import { createKernels, type Kernels, type KernelVariant } from "./kernels.ts";

/** Options of {@linkcode loadKernels}. */
export interface LoadOptions {
  /** true: require the SIMD build; false: use the scalar build; unset: SIMD when supported. */
  simd?: boolean;
}

// The smallest module using v128: (func (result v128) i32.const 0 i8x16.splat).
const simdProbe = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version 1
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, // type section: () -> v128
  0x03,
  0x02,
  0x01,
  0x00, // function section: one function of type 0
  0x0a,
  0x08,
  0x01,
  0x06,
  0x00,
  0x41,
  0x00,
  0xfd,
  0x0f,
  0x0b, // code: i32.const 0; i8x16.splat; end
]);

/** Whether this engine accepts WebAssembly SIMD (fixed-width v128). */
export function simdSupported(): boolean {
  return WebAssembly.validate(simdProbe);
}

/** URL of a build's .wasm file. */
export function kernelsUrl(variant: KernelVariant): URL {
  return new URL(`./build/kernels.${variant}.wasm`, import.meta.url);
}

async function readBytes(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  if (url.protocol === "file:") {
    const deno = (globalThis as { Deno?: { readFile(url: URL): Promise<Uint8Array<ArrayBuffer>> } })
      .Deno;
    if (deno) return await deno.readFile(url);
    const { readFile } = await import("node:fs/promises");
    return new Uint8Array(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`Cannot load the glassbox kernels from ${url}: HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Loads and instantiates the kernels: the SIMD build where the engine validates SIMD, the scalar
 * build otherwise (or as `options.simd` says).
 *
 * @throws {Error} when `simd: true` is asked for and the engine has no SIMD, or the file cannot
 * be read.
 *
 * @example
 * ```ts
 * import { loadKernels } from "./load.ts";
 * const kernels = await loadKernels();
 * console.log(kernels.variant); // "simd" on any current engine
 * ```
 */
export async function loadKernels(options: LoadOptions = {}): Promise<Kernels> {
  const supported = simdSupported();
  if (options.simd === true && !supported) {
    throw new Error(
      "Cannot load the SIMD kernels: this WebAssembly engine does not support SIMD; pass { simd: false } or omit the option",
    );
  }
  const variant: KernelVariant = options.simd ?? supported ? "simd" : "scalar";
  return createKernels(await readBytes(kernelsUrl(variant)));
}
