/**
 * What an API instance is made of: the limits it enforces (and publishes in `/v1/methods`), and
 * everything a runtime supplies to `createApp` (how model files are read, how the PNG renderer gets
 * its wasm and fonts, where the widget files live, who the client is, the clock, the Discord app).
 *
 * @module
 */
import type { Context, Hono } from "hono";
import type { Explanation, Model } from "@glassbox/core";
import type { ConcurrencyLimiter } from "./middleware/queue.ts";
import type { ModelLoader } from "./registry.ts";

/** The limits an API instance enforces and publishes in `/v1/methods`. */
export interface Limits {
  /** Largest request body, in bytes. @default 65536 */
  maxBodyBytes: number;
  /** Time from arrival to answer, reading the body and queueing included, in ms. @default 30000 */
  timeoutMs: number;
  /** Computations at once. @default 2 */
  concurrency: number;
  /** Requests that may wait for a computation slot; more get 429. @default 16 */
  queueSize: number;
  /** Model-file downloads (`/models/*`) streaming at once; more get 429. @default 4 */
  downloads: number;
  /** Per-client token bucket; `null` turns rate limiting off. @default 10/s, burst 20 */
  rateLimit: { perSecond: number; burst: number } | null;
}

/** The default limits. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxBodyBytes: 64 * 1024,
  timeoutMs: 30_000,
  concurrency: 2,
  queueSize: 16,
  downloads: 4,
  rateLimit: { perSecond: 10, burst: 20 },
});

/** What a runtime supplies to {@link createApp}. */
export interface ApiOptions {
  /** Model ids served, the default first. @default the bundled models */
  models?: readonly string[];
  /** Loads a model by id. @default core's `loadModel(id)` (bundled models from disk) */
  loadModel?: ModelLoader;
  /** Start loading every model now instead of on first use (not in workerd, which forbids I/O outside requests). */
  preload?: boolean;
  /** Prepares the PNG renderer (resvg wasm, fonts). @default `initRenderer()` (Deno and Node) */
  initRenderer?: () => Promise<void>;
  /** Reads a static file: `playground.html` or `widget/<name>`; `undefined` when absent. */
  readStatic?: (name: string) => Promise<Uint8Array | undefined>;
  /** The client's identity for rate limiting (its address). @default one shared bucket */
  clientKey?: (c: Context) => string | undefined;
  /** Origins allowed by CORS: `"*"` or a list. @default "*" */
  corsOrigins?: "*" | readonly string[];
  /**
   * Opens a model file for `/models/*` as a streaming response (404 when absent), so downloads are
   * never held in memory whole. @default `fetch` (for models served over HTTP)
   */
  modelFile?: (url: URL) => Promise<Response>;
  /**
   * Makes the Discord interactions app (apps/discord-bot) that `POST /discord/interactions` serves,
   * from what the API shares with it: its models, renderer and computation slots. The entry point
   * supplies it when Discord credentials are set; the API imports no other app.
   */
  discord?: (shared: SharedWithDiscord) => Hono;
  /** Clock in ms (latency, rate limit). @default performance.now */
  now?: () => number;
  /** Overrides of {@link DEFAULT_LIMITS}. */
  limits?: Partial<Limits>;
  /** Where internal errors are logged. @default console.error */
  log?: (message: string, error?: unknown) => void;
}

/** What the API hands the Discord app, so that both serve the same models within the same limits. */
export interface SharedWithDiscord {
  models: readonly string[];
  loadModel: (id: string) => Promise<Model>;
  renderPng: (explanation: Explanation) => Promise<Uint8Array>;
  /** The API's computation slots: Discord work waits for (or is refused by) the same limiter. */
  slots: ConcurrencyLimiter;
  logError: (message: string, error: unknown) => void;
}
