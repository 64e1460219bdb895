/**
 * A {@link Compute} that runs in a worker thread (`worker_thread.ts`). Inference with onnxruntime
 * and rasterization with resvg are synchronous on the thread that runs them; in the worker they
 * cannot delay the gateway heartbeats or the deferral of commands that arrive meanwhile (Discord
 * drops an interaction that is not answered within 3 s).
 *
 * A worker that crashes, or a computation that overruns its timeout by a wide margin (stuck in
 * synchronous code, where the AbortSignal cannot reach it), fails the pending commands with an
 * ephemeral reason and is replaced on the next command.
 *
 * @module
 */
import {
  type CheckedOptions,
  type Compute,
  type ComputeName,
  failure,
  INTERNAL_ERROR,
  type Reply,
} from "./answer.ts";
import type { WorkerRequest, WorkerResponse } from "./worker_thread.ts";

/** Options of {@link workerCompute}. */
export interface WorkerComputeOptions {
  /** Model id -> what `loadModel` takes. */
  models: Record<string, string>;
  /** Longest computation, in seconds; the worker is replaced 30 s after that. */
  timeoutSeconds: number;
  /** Called when the worker has loaded the default model and the renderer (or failed to). */
  onWarm?: (error?: string) => void;
  /** Where worker failures are reported. @default console.error */
  logError?: (message: string) => void;
  /** Grace after the timeout before a silent worker is considered stuck, in ms. @default 30000 */
  stuckGraceMs?: number;
}

interface Running {
  worker: Worker;
  /** Settles when the worker has loaded its modules: the stuck timer starts from there. */
  ready: Promise<void>;
}

interface Pending {
  name: ComputeName;
  resolve: (reply: Reply) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Starts the worker and returns a Compute that sends it work.
 *
 * @returns The compute function and `close()`, which terminates the worker.
 */
export function workerCompute(options: WorkerComputeOptions): { compute: Compute; close(): void } {
  const logError = options.logError ?? ((message: string) => console.error(message));
  const grace = options.stuckGraceMs ?? 30_000;
  const pending = new Map<number, Pending>();
  let running: Running | undefined;
  let nextId = 1;

  function failAll(reason: string): void {
    for (const [id, job] of pending) {
      clearTimeout(job.timer);
      job.resolve(failure(job.name, reason));
      pending.delete(id);
    }
  }

  function replace(message: string, reason: string): void {
    logError(message);
    running?.worker.terminate();
    running = undefined;
    failAll(reason);
  }

  function start(): Running {
    const worker = new Worker(new URL("./worker_thread.ts", import.meta.url), { type: "module" });
    const ready = Promise.withResolvers<void>();
    worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
      const message = event.data;
      if (message.type === "ready") return ready.resolve();
      if (message.type === "warm") return options.onWarm?.(message.error);
      const job = pending.get(message.id);
      if (!job) return;
      clearTimeout(job.timer);
      pending.delete(message.id);
      job.resolve(message.reply);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      if (running?.worker === worker) {
        replace(`Compute worker crashed: ${event.message}`, INTERNAL_ERROR);
      }
    };
    worker.postMessage(
      {
        type: "init",
        models: options.models,
        timeoutSeconds: options.timeoutSeconds,
      } satisfies WorkerRequest,
    );
    return { worker, ready: ready.promise };
  }

  running = start();
  const compute: Compute = (name: ComputeName, checked: CheckedOptions) => {
    running ??= start();
    const { worker, ready } = running;
    const id = nextId++;
    return new Promise<Reply>((resolve) => {
      pending.set(id, { name, resolve, timer: undefined });
      worker.postMessage({ type: "run", id, name, options: checked } satisfies WorkerRequest);
      ready.then(() => {
        const job = pending.get(id);
        if (!job) return;
        job.timer = setTimeout(() => {
          replace(
            `Compute worker gave no answer ${options.timeoutSeconds} s + ${
              grace / 1000
            } s after a command; replaced`,
            `it took longer than ${options.timeoutSeconds} s and was stopped; ` +
              `try a shorter text or the occlusion method`,
          );
        }, options.timeoutSeconds * 1000 + grace);
      });
    });
  };
  return {
    compute,
    close() {
      running?.worker.terminate();
      running = undefined;
      failAll("the bot is shutting down");
    },
  };
}
