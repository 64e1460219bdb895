/**
 * The on-device backend: runs the glassbox core in the page with onnxruntime-web (WebAssembly), no
 * server involved. Model files are fetched from `modelUrl` (a directory in the Hugging Face layout,
 * for example the API's static `/models/NAME/`), and onnxruntime's `.wasm` from `wasmPaths`
 * (by default the directory the device bundle was loaded from, where the build copies it).
 * Loaded models are cached per URL, so a docs site that swaps pages does not download them twice.
 *
 * @module
 */
import { explain, loadModel, METHODS, type Model, setOnnxWasmPaths } from "@glassbox/core";
import { type Backend, type MethodInfo, WidgetError } from "./backend.ts";

const models = new Map<string, Promise<Model>>();

/** Options for {@link deviceBackend}. */
export interface DeviceOptions {
  /** Base URL of the model directory (`config.json`, `tokenizer.json`, `onnx/model.onnx`). */
  modelUrl: string;
  /** Where onnxruntime-web finds its `.wasm` files (a URL prefix ending in `/`). */
  wasmPaths?: string;
}

/**
 * Creates a backend that explains in the page.
 *
 * @param options The model's URL and where onnxruntime's wasm lives.
 * @returns A {@link Backend} backed by `@glassbox/core`.
 */
export function deviceBackend(options: DeviceOptions): Backend {
  setOnnxWasmPaths(options.wasmPaths ?? new URL("./", import.meta.url).href);
  const url = new URL(options.modelUrl, document.baseURI).href;
  function model(): Promise<Model> {
    let loading = models.get(url);
    if (!loading) {
      loading = loadModel(url, { backend: "web" });
      // A failed download must not poison the cache: the next attempt tries again.
      loading.catch(() => models.delete(url));
      models.set(url, loading);
    }
    return loading;
  }
  return {
    methods() {
      return Promise.resolve(
        METHODS.map(({ id, kind, description, paper, options, needs }): MethodInfo => ({
          id,
          kind,
          description,
          paper,
          options,
          needs,
        })),
      );
    },
    async explain(request, signal, onProgress) {
      try {
        return await explain(await model(), request.text, {
          method: request.method,
          target: request.target,
          targetId: request.targetId,
          contrastId: request.contrastId,
          params: request.params,
          signal,
          onProgress,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        throw new WidgetError((error as Error).message, (error as Error).name);
      }
    },
  };
}
