/**
 * The API on Cloudflare Workers (workerd): `export default app`. onnxruntime-web's, resvg's and
 * glassbox's kernels' wasm and the fonts arrive as modules (`worker_modules.js`); model files are read through the `MODELS`
 * binding (Workers static assets, or a service in a workerd config) when there is one, otherwise
 * fetched from `GLASSBOX_MODELS_URL`. Models load on first use: Workers allow no I/O at start.
 * `build.ts` bundles this file with esbuild.
 *
 * @module
 */
import * as ort from "onnxruntime-web";
import { loadModel, useKernels } from "@glassbox/core";
import { initRenderer } from "@glassbox/render";
import { createKernels } from "@glassbox/wasm";
import { discordInteractions } from "@glassbox/discord-bot/interactions";
import { createApp } from "./app.ts";
import { clientKey, configFromEnv } from "./config.ts";
import {
  cjkFont,
  emojiFont,
  env,
  kernelsWasm,
  latinFont,
  ortWasm,
  resvgWasm,
} from "./worker_modules.js";

// onnxruntime's Emscripten glue compiles `wasmBinary` with WebAssembly.instantiate(bytes), which
// workerd forbids: hand it marker bytes instead of the real ones, and answer that call with the
// module workerd compiled from the import. The glue copies the bytes, so the marker is recognised
// by content.
const marker = new TextEncoder().encode("glassbox: ort wasm module");
function isMarker(source: unknown): boolean {
  if (!ArrayBuffer.isView(source) && !(source instanceof ArrayBuffer)) return false;
  const bytes = ArrayBuffer.isView(source)
    ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
    : new Uint8Array(source);
  return bytes.length === marker.length && bytes.every((b, i) => b === marker[i]);
}
const instantiate = WebAssembly.instantiate.bind(WebAssembly);
WebAssembly.instantiate =
  ((source: unknown, imports?: WebAssembly.Imports) =>
    isMarker(source)
      ? instantiate(ortWasm, imports).then((instance) => ({ instance, module: ortWasm }))
      : instantiate(source as WebAssembly.Module, imports)) as typeof WebAssembly.instantiate;
ort.env.wasm.wasmBinary = marker;
// Core's kernels (softmax, attention flow...) would be compiled from bytes on first use: hand them
// the imported module instead. Instantiating a compiled module is allowed outside a request.
useKernels(createKernels(kernelsWasm));

const vars = env as Record<string, unknown>;
const binding = vars.MODELS as { fetch: typeof fetch } | undefined;
const base = String(vars.GLASSBOX_MODELS_URL ?? "https://models.invalid/");
const config = configFromEnv(
  (name) => (typeof vars[name] === "string" ? vars[name] as string : undefined),
  { backend: "web" },
);

const modelFetch: typeof fetch = binding ? (input, init) => binding.fetch(input, init) : fetch;

const app = createApp({
  ...config.options,
  loadModel: (id) =>
    loadModel(new URL(`${encodeURIComponent(id)}/`, base), { backend: "web", fetch: modelFetch }),
  modelFile: (url) => modelFetch(url),
  initRenderer: () =>
    initRenderer({
      wasm: resvgWasm,
      fonts: [latinFont, cjkFont, emojiFont].map((b) => new Uint8Array(b)),
    }),
  // workerd sees no peer address, and CF-Connecting-IP is the client's own word unless Cloudflare is
  // in front: only a configured header counts (GLASSBOX_CLIENT_IP_HEADER=cf-connecting-ip there).
  clientKey: clientKey(config),
  discord: config.discord && ((shared) => discordInteractions({ ...config.discord!, ...shared })),
});

export default app;
