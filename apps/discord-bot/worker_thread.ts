/**
 * The worker thread of the gateway bot: it holds the models and the renderer and computes replies
 * with {@link localCompute}, so that inference and rasterization, which run synchronously on their
 * thread, never stall the bot's gateway heartbeats or its deferral of other commands.
 *
 * Messages in: {@link WorkerRequest}. Messages out: {@link WorkerResponse}. Started by
 * `worker_compute.ts`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import type { CheckedOptions, ComputeName, Reply } from "./answer.ts";

/** What the main thread sends. */
export type WorkerRequest =
  | { type: "init"; models: Record<string, string>; timeoutSeconds: number }
  | { type: "run"; id: number; name: ComputeName; options: CheckedOptions };

/** What the worker sends back. */
export type WorkerResponse =
  | { type: "ready" }
  | { type: "warm"; error?: string }
  | { type: "result"; id: number; reply: Reply };

// The modules load after the listener is in place (dynamic imports): a worker's global scope must
// be complete before onnxruntime-web and resvg's wasm glue look at it.
const modules = Promise.all([
  import("./answer.ts"),
  import("./config.ts"),
  import("@glassbox/render"),
]);
modules.then(() => self.postMessage({ type: "ready" } satisfies WorkerResponse));
let compute: Promise<(name: ComputeName, options: CheckedOptions) => Promise<Reply>> | undefined;

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.type === "init") {
    compute = modules.then(([answer, config, render]) => {
      const loadModel = config.cachedModelLoader(request.models);
      // Warm up, so the first command does not pay for loading the model and the renderer.
      Promise.all([render.initRenderer(), loadModel(Object.keys(request.models)[0])]).then(
        () => self.postMessage({ type: "warm" } satisfies WorkerResponse),
        (error) => self.postMessage({ type: "warm", error: String(error?.message) }),
      );
      return answer.localCompute({
        loadModel,
        renderPng: (explanation) => render.renderPng(explanation),
        timeoutSeconds: request.timeoutSeconds,
      });
    });
    return;
  }
  if (!compute) throw new Error("The compute worker got work before its init message");
  const reply = await (await compute)(request.name, request.options);
  const transfer = reply.image ? [reply.image.data.buffer as ArrayBuffer] : [];
  self.postMessage({ type: "result", id: request.id, reply } satisfies WorkerResponse, transfer);
};
