/**
 * The glassbox HTTP API as a Hono app, the same in Deno, Node and Cloudflare workerd. Everything a
 * runtime provides (how model files are read, how the PNG renderer gets its wasm and fonts, where
 * the widget files live, who the client is, the clock) is passed in through {@link ApiOptions}; the
 * entry files `deno.ts`, `node.ts` and `worker.ts` only supply those.
 *
 * Every request that computes goes through the same gate: rate limit per client, body checks
 * (size before parsing, media type, UTF-8, JSON), schema, model and method lookup and option
 * validation, then a slot from the concurrency limiter (bounded queue), then the computation with an
 * AbortSignal that fires on the per-request timeout or when the client goes away.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { cors } from "hono/cors";
import {
  type Aggregation,
  AGGREGATIONS,
  BUNDLED_MODELS,
  explain,
  type Explanation,
  getMethod,
  loadModel,
  MAX_TEXT_CHARS,
  METHODS,
  type Model,
  type OptionSpec,
  type OutputKind,
  OUTPUTS,
  predict,
  validateOptions,
} from "@glassbox/core";
import { initRenderer, renderPng, renderSvg } from "@glassbox/render";
import { withFaithfulness } from "@glassbox/eval/faithfulness";
import { ApiError, toApiError } from "./errors.ts";
import { ConcurrencyLimiter, RateLimiter } from "./limits.ts";
import { Metrics } from "./metrics.ts";
import { type ModelLoader, ModelRegistry } from "./models.ts";
import { docsPage, landingPage } from "./pages.ts";
import { deadline, type DeadlineVariables, timeoutError } from "./middleware/timeout.ts";
import {
  describeIssues,
  ExplainBody,
  type ExplainRequest,
  IMAGE_QUERY,
  IMAGE_WIDTH,
  openApiDocument,
  PredictBody,
} from "./schemas.ts";

/** The limits an API instance enforces and publishes in `/v1/methods`. */
export interface Limits {
  /** Largest request body, in bytes. @default 65536 */
  maxBodyBytes: number;
  /** Time from arrival to answer, queueing included, in ms. @default 30000 */
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

/** Bumped when the picture for the same request and model changes, so image ETags change too. */
const IMAGE_VERSION = "1";

/** The routes and their methods: 405 with `Allow` for any other method on these paths. */
const ROUTES: Record<string, string[]> = {
  "/": ["GET"],
  "/docs": ["GET"],
  "/openapi.json": ["GET"],
  "/healthz": ["GET"],
  "/readyz": ["GET"],
  "/metrics": ["GET"],
  "/v1/models": ["GET"],
  "/v1/methods": ["GET"],
  "/v1/predict": ["POST"],
  "/v1/explain": ["POST"],
  "/v1/explain/stream": ["POST"],
  "/v1/explain.svg": ["GET"],
  "/v1/explain.png": ["GET"],
  "/widget/:file": ["GET"],
  "/models/:model/*": ["GET"],
  "/discord/interactions": ["POST"],
};

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  wasm: "application/wasm",
  css: "text/css; charset=utf-8",
  json: "application/json",
};

/** The files of a model the API serves at /models/ID/. */
const MODEL_FILE =
  /^(config\.json|tokenizer\.json|tokenizer_config\.json|onnx\/[\w-]+\.onnx(\.data|_data)?)$/;
const MODEL_FILES = "config.json, tokenizer.json, tokenizer_config.json, onnx/*.onnx";

/** Paths other sites may load cross-origin (fetch with CORS, `<img>`, `<script>`). */
function embeddable(path: string): boolean {
  return path.startsWith("/v1/") || path.startsWith("/widget/") || path.startsWith("/models/") ||
    path === "/openapi.json";
}

function allowFor(methods: string[]): string {
  return [...methods, ...(methods.includes("GET") ? ["HEAD"] : []), "OPTIONS"].join(", ");
}

/** Reads a body up to `max` bytes, refusing larger ones without reading them whole. */
async function readBody(request: Request, max: number): Promise<Uint8Array> {
  const tooLarge = (seen: string) =>
    new ApiError(
      "body_too_large",
      `The request body is ${seen} bytes; the limit is ${max} bytes`,
      { maxBodyBytes: max },
    );
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > max) throw tooLarge(declared);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw tooLarge(`more than ${max}`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) bytes.set(chunk, offset), offset += chunk.byteLength;
  return bytes;
}

/** Checks the media type, size, encoding and JSON syntax of a request body. */
async function readJson(request: Request, maxBytes: number): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  const [essence, ...parameters] = type.split(";").map((s) => s.trim().toLowerCase());
  const charset = parameters.find((p) => p.startsWith("charset="))?.slice(8).replace(/"/g, "");
  if (essence !== "application/json" || (charset && charset !== "utf-8" && charset !== "utf8")) {
    throw new ApiError(
      "unsupported_media_type",
      `The body must be JSON with Content-Type: application/json (UTF-8), got ${
        type ? JSON.stringify(type) : "no Content-Type"
      }`,
      { accepted: ["application/json"] },
    );
  }
  const bytes = await readBody(request, maxBytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError("malformed_body", "The request body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(
      "malformed_json",
      `The request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/** Own entries of a parsed JSON object, `__proto__` included, so core sees every name sent. */
function ownParams(raw: unknown): Record<string, unknown> | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const params = (raw as Record<string, unknown>).params;
  if (params === null || typeof params !== "object" || Array.isArray(params)) return undefined;
  return Object.fromEntries(Object.entries(params));
}

/** Parses a query string strictly: bad percent-encoding or UTF-8 is a 400, repeats a 422. */
function parseQuery(url: string): Map<string, string> {
  const search = new URL(url).search.slice(1);
  const out = new Map<string, string>();
  for (const part of search ? search.split("&") : []) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const [rawKey, rawValue] = eq < 0 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)];
    let key: string, value: string;
    try {
      key = decodeURIComponent(rawKey.replace(/\+/g, " "));
      value = decodeURIComponent(rawValue.replace(/\+/g, " "));
    } catch {
      throw new ApiError(
        "malformed_query",
        `The query parameter ${JSON.stringify(rawKey)} is not valid percent-encoded UTF-8`,
      );
    }
    if (out.has(key)) {
      throw new ApiError("invalid_request", `The query parameter "${key}" is given twice`);
    }
    out.set(key, value);
  }
  return out;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Rejects text core cannot give offsets for: lone surrogates are not Unicode. */
function checkText(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      throw new ApiError(
        "invalid_input",
        `Text has a lone surrogate (U+${c.toString(16).toUpperCase()}) at index ${i}; ` +
          "send well-formed Unicode",
      );
    }
  }
}

/**
 * Converts a query value by the option's declared type, so core's messages about type and range
 * apply unchanged: "2" becomes 2, "NaN" becomes NaN (core: must be finite), "abc" stays a string
 * (core: must be a finite number, current value is "abc").
 */
function fromQuery(spec: OptionSpec | undefined, value: string): unknown {
  if (!spec || spec.alsoAccepts?.includes(value)) return value;
  if (spec.type === "integer" || spec.type === "number") {
    const n = value.trim() === "" ? NaN : Number(value);
    return Number.isNaN(n) && value !== "NaN" ? value : n;
  }
  if (spec.type === "boolean") {
    if (value === "true" || value === "1") return true;
    if (value === "false" || value === "0") return false;
  }
  return value;
}

/** A request that passed validation: what to compute. */
interface Prepared {
  modelId: string;
  body: ExplainRequest;
  params: Record<string, unknown>;
}

/**
 * Creates the API.
 *
 * @param options What the runtime supplies; everything has a default for Deno.
 * @returns The Hono app (`app.fetch` is the request handler).
 *
 * @example
 * ```ts ignore
 * import { createApp } from "./app.ts";
 * const app = createApp({ preload: true });
 * Deno.serve({ port: 8787 }, app.fetch);
 * ```
 */
export function createApp(options: ApiOptions = {}): Hono<{ Variables: DeadlineVariables }> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const now = options.now ?? (() => performance.now());
  const log = options.log ?? ((message, error) => console.error(message, error ?? ""));
  const registry = new ModelRegistry(
    options.models ?? BUNDLED_MODELS,
    options.loadModel ?? ((id) => loadModel(id)),
    log,
  );
  const limiter = new ConcurrencyLimiter(limits.concurrency, limits.queueSize);
  const downloads = new ConcurrencyLimiter(limits.downloads, 0);
  const modelFile = options.modelFile ?? ((url: URL) => fetch(url));
  const rateLimiter = limits.rateLimit
    ? new RateLimiter(limits.rateLimit.burst, limits.rateLimit.perSecond, now)
    : undefined;
  const metrics = new Metrics(() => ({
    glassbox_queue_depth: ["Requests waiting for a computation slot.", limiter.waiting],
    glassbox_running: ["Computations running.", limiter.running],
    glassbox_models_loaded: ["Models loaded and ready.", registry.loaded],
  }));
  let rendererReady: Promise<void> | undefined;
  const prepareRenderer = () => {
    rendererReady ??= (options.initRenderer ?? (() => initRenderer()))().catch((error) => {
      rendererReady = undefined;
      throw error;
    });
    return rendererReady;
  };
  if (options.preload) void registry.warm();

  const app = new Hono<{ Variables: DeadlineVariables }>();

  const fail = (c: Context, error: ApiError) => {
    metrics.error(error.code);
    for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
    return c.json(error.toBody(), error.status as 400);
  };

  app.use("*", async (c, next) => {
    const started = now();
    await next();
    const path = c.req.path;
    if (embeddable(path)) {
      c.header("Cross-Origin-Resource-Policy", "cross-origin");
    } else {
      c.header("Cross-Origin-Resource-Policy", "same-origin");
      c.header("Cross-Origin-Opener-Policy", "same-origin");
    }
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    // HTML pages may run their own scripts; everything else (JSON, SVG) runs none, so an SVG opened
    // directly cannot execute anything even if a renderer bug let markup through.
    const html = c.res.headers.get("content-type")?.startsWith("text/html");
    c.header(
      "Content-Security-Policy",
      html
        ? "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
          "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; frame-ancestors 'self'"
        : "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    const route = c.req.routePath && c.req.routePath !== "*" && c.res.status !== 404
      ? c.req.routePath
      : "unmatched";
    metrics.observe(route, c.res.status, (now() - started) / 1000);
  });
  const corsHeaders = cors({
    origin: options.corsOrigins === undefined || options.corsOrigins === "*"
      ? "*"
      : [...options.corsOrigins],
    allowMethods: ["GET", "HEAD", "POST", "OPTIONS"],
    allowHeaders: ["Content-Type", "If-None-Match"],
    exposeHeaders: ["ETag", "Retry-After"],
    maxAge: 86400,
  });
  // Only what other sites may use is readable cross-origin: not /metrics, /readyz or the pages.
  app.use("*", (c, next) => embeddable(c.req.path) ? corsHeaders(c, next) : next());
  app.use("*", deadline(limits.timeoutMs));
  app.onError((error, c) => {
    const mapped = toApiError(error, "compute");
    if (mapped.code === "internal") log(`Internal error on ${c.req.method} ${c.req.path}`, error);
    return fail(c, mapped);
  });
  app.notFound((c) =>
    fail(
      c,
      new ApiError("not_found", `No route ${c.req.method} ${c.req.path}; see /docs`, {
        routes: Object.keys(ROUTES).filter((r) => r !== "/discord/interactions" || options.discord),
      }),
    )
  );

  /** The request's `waitUntil` where the runtime has one (workerd), for model loads. */
  const keepAlive = (c: Context) => (loading: Promise<unknown>) => {
    let ctx: { waitUntil(p: Promise<unknown>): void } | undefined;
    try {
      ctx = c.executionCtx;
    } catch {
      // Deno and Node have no execution context; their promises outlive requests anyway.
    }
    ctx?.waitUntil(loading);
  };

  const rateLimit = (c: Context) => rateLimiter?.take(options.clientKey?.(c) ?? "anonymous");

  /**
   * Validates an explain request up to (not including) loading the model.
   *
   * @param raw The parsed JSON body or the query as an object.
   * @param queryParams Method options from a query string, which skip the schema: they may hold
   *   NaN or Infinity (JSON cannot), and core's messages about them are the ones to show.
   */
  const prepare = (raw: unknown, queryParams?: Record<string, unknown>): Prepared => {
    const parsed = ExplainBody.safeParse(raw);
    if (!parsed.success) {
      const { message, issues } = describeIssues(parsed.error);
      throw new ApiError("invalid_request", message, { issues });
    }
    const body = parsed.data;
    checkText(body.text);
    const modelId = registry.resolve(body.model);
    try {
      const method = getMethod(body.method ?? "occlusion");
      const params = validateOptions(method, queryParams ?? ownParams(raw) ?? {});
      return { modelId, body, params };
    } catch (error) {
      throw toApiError(error, "validate");
    }
  };

  /**
   * Runs `work` in a computation slot with a signal that aborts on timeout or client disconnect.
   * The timeout counts from now, queueing and model loading included.
   */
  const compute = async <T>(
    c: Context,
    modelId: string,
    work: (model: Model, signal: AbortSignal) => Promise<T>,
    cancel?: AbortSignal,
  ): Promise<T> => {
    const controller = new AbortController();
    const timedOut = () => controller.abort(c.get("deadline").reason);
    const gone = () =>
      controller.abort(new ApiError("client_closed", "The client disconnected; work cancelled"));
    if (c.get("deadline").aborted) timedOut();
    c.get("deadline").addEventListener("abort", timedOut, { once: true });
    const sources = [c.req.raw.signal, cancel].filter((s): s is AbortSignal => !!s);
    for (const s of sources) s.addEventListener("abort", gone, { once: true });
    try {
      const release = await limiter.acquire(controller.signal);
      const started = now();
      try {
        const model = await Promise.race([
          registry.get(modelId, keepAlive(c)),
          new Promise<never>((_, reject) => {
            controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
              once: true,
            });
          }),
        ]);
        return await work(model, controller.signal);
      } finally {
        release(now() - started);
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      if (controller.signal.reason === c.get("deadline").reason) {
        throw timeoutError(limits.timeoutMs);
      }
      metrics.cancelled();
      throw controller.signal.reason;
    } finally {
      c.get("deadline").removeEventListener("abort", timedOut);
      for (const s of sources) s.removeEventListener("abort", gone);
    }
  };

  const runExplain = (
    c: Context,
    { modelId, body, params }: Prepared,
    extra: { cancel?: AbortSignal; onProgress?: (p: unknown) => void } = {},
  ): Promise<Explanation> =>
    compute(c, modelId, async (model, signal) => {
      const explanation = await explain(model, body.text, {
        method: body.method,
        target: body.target,
        targetId: body.targetId,
        contrast: body.contrast,
        contrastId: body.contrastId,
        output: body.output as OutputKind | undefined,
        topK: body.topK,
        aggregation: body.aggregation as Aggregation | undefined,
        params,
        signal,
        onProgress: extra.onProgress,
      });
      return body.faithfulness
        ? await withFaithfulness(model, explanation, { signal })
        : explanation;
    }, extra.cancel);

  const limitsDocument = async (c: Context) => {
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
  };

  app.get("/", async (c) => {
    const playground = await options.readStatic?.("playground.html");
    return c.html(playground ? new TextDecoder().decode(playground) : landingPage());
  });
  app.get(
    "/docs",
    async (c) => c.html(docsPage({ methods: METHODS, limits: await limitsDocument(c) })),
  );
  app.get("/openapi.json", (c) => c.json(openApiDocument(new URL(c.req.url).origin)));
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    if (!registry.ready) {
      void registry.warm(keepAlive(c), false);
      return fail(
        c,
        new ApiError("not_ready", "Models are still loading or failed to load", {
          models: registry.status(),
        }, { "Retry-After": "1" }),
      );
    }
    return c.json({ status: "ready", models: registry.status() });
  });
  app.get(
    "/metrics",
    (c) =>
      c.body(metrics.render(), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }),
  );

  app.get("/v1/models", async (c) => {
    await registry.warm(keepAlive(c));
    const models = [];
    const unavailable = [];
    for (const id of registry.ids) {
      try {
        const m = await registry.get(id);
        models.push({
          id,
          task: m.task,
          architecture: m.architecture,
          ...(m.labels ? { labels: m.labels } : {}),
          maxTokens: m.maxTokens,
          default: id === registry.defaultId,
        });
      } catch (error) {
        unavailable.push({ id, error: (error as Error).message });
      }
    }
    return c.json(unavailable.length ? { models, unavailable } : { models });
  });

  app.get("/v1/methods", async (c) =>
    c.json({
      methods: METHODS.map((m) => ({
        id: m.id,
        kind: m.kind,
        description: m.description,
        ...(m.paper ? { paper: m.paper } : {}),
        options: m.options,
        needs: m.needs,
      })),
      outputs: OUTPUTS,
      aggregations: AGGREGATIONS,
      limits: await limitsDocument(c),
    }));

  app.post("/v1/predict", async (c) => {
    rateLimit(c);
    const raw = await readJson(c.req.raw, limits.maxBodyBytes);
    const parsed = PredictBody.safeParse(raw);
    if (!parsed.success) {
      const { message, issues } = describeIssues(parsed.error);
      throw new ApiError("invalid_request", message, { issues });
    }
    const { text, model, topK } = parsed.data;
    checkText(text);
    const modelId = registry.resolve(model);
    const result = await compute(c, modelId, (m, signal) => predict(m, text, { topK, signal }));
    return c.json(result);
  });

  app.post("/v1/explain", async (c) => {
    rateLimit(c);
    const prepared = prepare(await readJson(c.req.raw, limits.maxBodyBytes));
    return c.json(await runExplain(c, prepared));
  });

  app.post("/v1/explain/stream", async (c) => {
    rateLimit(c);
    const prepared = prepare(await readJson(c.req.raw, limits.maxBodyBytes));
    const encoder = new TextEncoder();
    const cancel = new AbortController();
    let closed = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (event: string, data: unknown) => {
          if (closed) return;
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        };
        runExplain(c, prepared, { cancel: cancel.signal, onProgress: (p) => send("progress", p) })
          .then((explanation) => send("result", explanation))
          .catch((error) => {
            const mapped = toApiError(error, "compute");
            if (cancel.signal.aborted) return;
            if (mapped.code === "internal") log(`Internal error in ${c.req.path}`, error);
            metrics.error(mapped.code);
            send("error", mapped.toBody());
          })
          .finally(() => {
            if (closed) return;
            closed = true;
            controller.close();
          });
      },
      cancel() {
        closed = true;
        cancel.abort();
      },
    });
    return c.body(stream, 200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Accel-Buffering": "no",
    });
  });

  const image = (kind: "svg" | "png") => async (c: Context) => {
    rateLimit(c);
    const query = parseQuery(c.req.url);
    const raw: Record<string, unknown> = {};
    const params: Record<string, unknown> = {};
    const render: { level: "word" | "token"; width?: number; scale?: number } = { level: "token" };
    const method = query.get("method") ?? "occlusion";
    let specs = new Map<string, OptionSpec>();
    try {
      specs = new Map(getMethod(method).options.map((o) => [o.name, o]));
    } catch {
      // prepare() reports the unknown method.
    }
    for (const [key, value] of query) {
      if (key.startsWith("params.")) {
        const name = key.slice(7);
        params[name] = fromQuery(specs.get(name), value);
      } else if (key === "targetId" || key === "contrastId") {
        raw[key] = value.trim() === "" ? NaN : Number(value);
      } else if (key === "words") {
        if (value !== "0" && value !== "1") {
          throw new ApiError(
            "invalid_request",
            `"words" must be 0 or 1, current value is "${value}"`,
          );
        }
        render.level = value === "1" ? "word" : "token";
      } else if (key === "width" || (key === "scale" && kind === "png")) {
        const n = Number(value);
        const [lo, hi] = key === "width" ? [IMAGE_WIDTH.min, IMAGE_WIDTH.max] : [1, 4];
        if (!Number.isInteger(n) || n < lo || n > hi) {
          throw new ApiError(
            "invalid_request",
            `"${key}" must be an integer from ${lo} to ${hi}, current value is "${value}"`,
          );
        }
        render[key] = n;
      } else if (key in IMAGE_QUERY) {
        raw[key] = value;
      } else {
        throw new ApiError(
          "invalid_request",
          `Unknown query parameter "${key}"; allowed: ${
            Object.keys(IMAGE_QUERY).filter((k) => k !== "scale" || kind === "png").join(", ")
          }, params.NAME`,
        );
      }
    }
    const prepared = prepare(raw, params);
    const model = await registry.get(prepared.modelId, keepAlive(c));
    const canonical = [...query].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const etag = `"${
      (await sha256Hex(JSON.stringify([IMAGE_VERSION, kind, model.hash, canonical]))).slice(0, 32)
    }"`;
    const headers = {
      ETag: etag,
      "Cache-Control": "public, max-age=86400",
      Vary: "Origin",
    };
    const match = c.req.header("if-none-match");
    if (match && match.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)) {
      return c.body(null, 304, headers);
    }
    const explanation = await runExplain(c, prepared);
    await prepareRenderer();
    if (kind === "svg") {
      return c.body(renderSvg(explanation, render), 200, {
        ...headers,
        "Content-Type": "image/svg+xml; charset=utf-8",
      });
    }
    const png = await renderPng(explanation, render);
    return c.body(png as Uint8Array<ArrayBuffer>, 200, { ...headers, "Content-Type": "image/png" });
  };
  app.get("/v1/explain.svg", image("svg"));
  app.get("/v1/explain.png", image("png"));

  app.get("/widget/:file", async (c) => {
    const file = c.req.param("file");
    const bytes = /^[\w.-]+$/.test(file) && !file.startsWith(".")
      ? await options.readStatic?.(`widget/${file}`)
      : undefined;
    if (!bytes) {
      throw new ApiError("not_found", `No widget file ${JSON.stringify(file)}`);
    }
    const type = CONTENT_TYPES[file.split(".").pop()!] ?? "application/octet-stream";
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": type,
      "Cache-Control": "public, max-age=3600",
    });
  });

  // The served models' own files, for the widget's on-device mode: only the Hugging Face layout's
  // files, read from where the model was loaded.
  app.get("/models/:model/*", async (c) => {
    rateLimit(c);
    const id = registry.resolve(c.req.param("model"));
    const file = c.req.path.slice(`/models/${encodeURIComponent(id)}/`.length);
    if (!MODEL_FILE.test(file)) {
      throw new ApiError(
        "not_found",
        `No model file ${JSON.stringify(file)}; served are ${MODEL_FILES}`,
      );
    }
    const model = await registry.get(id, keepAlive(c));
    const release = await downloads.acquire();
    let source: Response;
    try {
      source = await modelFile(new URL(file, model.base));
    } catch (error) {
      release(0);
      throw error;
    }
    if (!source.ok || !source.body) {
      release(0);
      await source.body?.cancel();
      if (source.status === 404) {
        throw new ApiError("not_found", `Model ${id} has no file ${JSON.stringify(file)}`);
      }
      throw new Error(`Reading ${file} of model ${id} gave HTTP ${source.status}`);
    }
    // The file streams through; its download slot is freed when it ends or the client goes away.
    const reader = source.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read().catch((error) => {
          release(0);
          throw error;
        });
        if (done) {
          release(0);
          controller.close();
        } else controller.enqueue(value);
      },
      cancel(reason) {
        release(0);
        return reader.cancel(reason);
      },
    });
    const length = source.headers.get("content-length");
    return c.body(body, 200, {
      "Content-Type": CONTENT_TYPES[file.split(".").pop()!] ?? "application/octet-stream",
      "Cache-Control": "public, max-age=3600",
      ...(length ? { "Content-Length": length } : {}),
    });
  });

  if (options.discord) {
    app.route(
      "/discord/interactions",
      options.discord({
        models: registry.ids,
        loadModel: (id) => registry.get(id),
        renderPng: async (explanation) => {
          await prepareRenderer();
          return await renderPng(explanation);
        },
        slots: limiter,
        logError: log,
      }),
    );
  }

  for (const [path, methods] of Object.entries(ROUTES)) {
    if (path === "/discord/interactions" && !options.discord) continue;
    app.all(path, (c) =>
      fail(
        c,
        new ApiError(
          "method_not_allowed",
          `${c.req.method} is not allowed on ${c.req.path}; use ${methods.join(" or ")}`,
          { allow: methods },
          { Allow: allowFor(methods) },
        ),
      ));
  }
  return app;
}
