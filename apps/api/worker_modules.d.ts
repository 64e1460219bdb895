/** onnxruntime-web's wasm (`ort-wasm-simd-threaded.wasm`), compiled by workerd. */
export declare const ortWasm: WebAssembly.Module;
/** resvg's wasm, compiled by workerd. */
export declare const resvgWasm: WebAssembly.Module;
/** glassbox's SIMD kernels (`wasm/build/kernels.simd.wasm`), compiled by workerd. */
export declare const kernelsWasm: WebAssembly.Module;
/** DejaVu Sans. */
export declare const latinFont: ArrayBuffer;
/** The CJK subset of Droid Sans Fallback. */
export declare const cjkFont: ArrayBuffer;
/** The emoji subset of Symbola. */
export declare const emojiFont: ArrayBuffer;
/** The worker's bindings: `vars` as strings, `MODELS` a service or static-assets binding. */
export declare const env: Record<string, unknown>;
