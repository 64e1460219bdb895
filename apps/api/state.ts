/**
 * The state one API instance shares between its routes: the model registry, the limiters, the
 * metrics, the renderer's one-time setup, and the published limits document. Built once by
 * `createApp`; routes and middleware receive it instead of reaching for globals.
 *
 * @module
 */
import type { Context } from "hono";
import { BUNDLED_MODELS, loadModel, MAX_TEXT_CHARS } from "@glassbox/core";
import { initRenderer } from "@glassbox/render";
import { Metrics } from "./middleware/metrics.ts";
import { type ComputeDeps, ConcurrencyLimiter } from "./middleware/queue.ts";
import { RateLimiter } from "./middleware/rate_limit.ts";
import { type ApiOptions, DEFAULT_LIMITS, type Limits } from "./options.ts";
import { ModelRegistry } from "./registry.ts";

/** The shared state of an API instance. */
export interface ApiState extends ComputeDeps {
  options: ApiOptions;
  limits: Limits;
  metrics: Metrics;
  /** Model-file downloads streaming at once. */
  downloads: ConcurrencyLimiter;
  rateLimiter?: RateLimiter;
  log: (message: string, error?: unknown) => void;
  /** Prepares the PNG renderer once (again after a failure). */
  renderer: () => Promise<void>;
  /** The limits as `/v1/methods` and `/docs` publish them. */
  limitsDocument: (c: Context) => Promise<Record<string, unknown>>;
}

/** The request's `waitUntil` where the runtime has one (workerd), for model loads. */
function keepAlive(c: Context) {
  return (loading: Promise<unknown>) => {
    let ctx: { waitUntil(p: Promise<unknown>): void } | undefined;
    try {
      ctx = c.executionCtx;
    } catch {
      // Deno and Node have no execution context; their promises outlive requests anyway.
    }
    ctx?.waitUntil(loading);
  };
}

/** Builds the state from the runtime's options. */
export function createState(options: ApiOptions): ApiState {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const now = options.now ?? (() => performance.now());
  const log = options.log ?? ((message, error) => console.error(message, error ?? ""));
  const registry = new ModelRegistry(
    options.models ?? BUNDLED_MODELS,
    options.loadModel ?? ((id) => loadModel(id)),
    log,
  );
  const limiter = new ConcurrencyLimiter(limits.concurrency, limits.queueSize);
  const metrics = new Metrics(() => ({
    glassbox_queue_depth: ["Requests waiting for a computation slot.", limiter.waiting],
    glassbox_running: ["Computations running.", limiter.running],
    glassbox_models_loaded: ["Models loaded and ready.", registry.loaded],
  }));
  let rendererReady: Promise<void> | undefined;
  if (options.preload) void registry.warm();
  return {
    options,
    limits,
    now,
    log,
    registry,
    limiter,
    metrics,
    downloads: new ConcurrencyLimiter(limits.downloads, 0),
    rateLimiter: limits.rateLimit
      ? new RateLimiter(limits.rateLimit.burst, limits.rateLimit.perSecond, now)
      : undefined,
    cancelled: () => metrics.cancelled(),
    keepAlive,
    renderer: () => {
      rendererReady ??= (options.initRenderer ?? (() => initRenderer()))().catch((error) => {
        rendererReady = undefined;
        throw error;
      });
      return rendererReady;
    },
    limitsDocument: async (c) => {
      await registry.warm(keepAlive(c));
      const maxTokens: Record<string, number> = {};
      for (const id of registry.ids) {
        try {
          maxTokens[id] = (await registry.get(id)).maxTokens;
        } catch {
          // Unavailable models are reported by /v1/models and /readyz.
        }
      }
      return {
        maxTextChars: MAX_TEXT_CHARS,
        maxTokens,
        maxBodyBytes: limits.maxBodyBytes,
        maxTopK: 100,
        timeoutMs: limits.timeoutMs,
        concurrency: limits.concurrency,
        queueSize: limits.queueSize,
        rateLimit: limits.rateLimit,
      };
    },
  };
}
