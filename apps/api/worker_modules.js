// @ts-self-types="./worker_modules.d.ts"
// The non-JavaScript modules of the Cloudflare Workers build, imported as modules because workerd
// refuses to compile wasm from bytes. esbuild leaves these imports alone (build.ts marks them
// external) and the files sit beside the bundle, declared as Wasm / Data modules (wrangler rules or
// the workerd config build.ts writes). Deno type-checks worker.ts against worker_modules.d.ts only.
export { default as ortWasm } from "./ort-wasm-simd-threaded.wasm";
export { default as resvgWasm } from "./resvg.wasm";
export { default as kernelsWasm } from "./kernels.simd.wasm";
export { default as latinFont } from "./DejaVuSans.ttf";
export { default as cjkFont } from "./DroidSansFallback-GB2312L1.ttf";
export { default as emojiFont } from "./Symbola-Emoji.ttf";
export { env } from "cloudflare:workers";
