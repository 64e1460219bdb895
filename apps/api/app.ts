/**
 * The glassbox HTTP API as a Hono app, the same in Deno, Node and Cloudflare workerd. Everything a
 * runtime provides is passed in through {@link ApiOptions} (see `options.ts`); the entry files
 * `deno.ts`, `node.ts` and `worker.ts` only supply it. This file composes: the middleware every
 * request passes (metrics, security headers, CORS where other sites may read, the deadline, 405
 * handling), the routers in `routes/`, and the Discord app when the entry point gives one.
 *
 * A request that computes is rate-limited, its body size-checked while it arrives, parsed and
 * validated in full, and only then given a slot of the concurrency limiter (bounded queue, shared
 * with the Discord app) and computed with an AbortSignal that fires at the request's deadline or
 * when its client goes away.
 *
 * @module
 */
import { Hono, type MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { methodNotAllowed } from "hono/method-not-allowed";
import { secureHeaders } from "hono/secure-headers";
import { renderPng } from "@glassbox/render";
import * as errors from "./middleware/errors.ts";
import { observe } from "./middleware/metrics.ts";
import { deadline, type DeadlineVariables } from "./middleware/timeout.ts";
import type { ApiOptions } from "./options.ts";
import { explainRoutes } from "./routes/explain.ts";
import { imageRoutes } from "./routes/images.ts";
import { modelRoutes } from "./routes/models.ts";
import { opsRoutes } from "./routes/ops.ts";
import { staticRoutes } from "./routes/static.ts";
import { createState } from "./state.ts";

export { type ApiOptions, DEFAULT_LIMITS, type Limits, type SharedWithDiscord } from "./options.ts";

/** Paths other sites may load cross-origin (fetch with CORS, `<img>`, `<script>`). */
function embeddable(path: string): boolean {
  return path.startsWith("/v1/") || path.startsWith("/widget/") || path.startsWith("/models/") ||
    path === "/openapi.json";
}

/**
 * Security headers by what a path serves: the HTML pages may run their own scripts; everything else
 * (JSON, SVG) runs none, so an SVG opened directly cannot execute anything even if a renderer bug let
 * markup through; embeddable paths may be loaded by other sites.
 */
function securityHeaders(): MiddlewareHandler {
  const data = {
    defaultSrc: ["'none'"],
    styleSrc: ["'unsafe-inline'"],
    frameAncestors: ["'none'"],
  };
  const page = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      scriptSrc: ["'self'", "'unsafe-inline'", "'wasm-unsafe-eval'"],
      frameAncestors: ["'self'"],
    },
  });
  const shared = secureHeaders({
    contentSecurityPolicy: data,
    crossOriginResourcePolicy: "cross-origin",
    crossOriginOpenerPolicy: false,
  });
  const own = secureHeaders({ contentSecurityPolicy: data });
  return (c, next) =>
    (c.req.path === "/" || c.req.path === "/docs" ? page : embeddable(c.req.path) ? shared : own)(
      c,
      next,
    );
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
  const state = createState(options);
  const app = new Hono<{ Variables: DeadlineVariables }>();
  const corsHeaders = cors({
    origin: options.corsOrigins === undefined || options.corsOrigins === "*"
      ? "*"
      : [...options.corsOrigins],
    allowMethods: ["GET", "HEAD", "POST", "OPTIONS"],
    allowHeaders: ["Content-Type", "If-None-Match"],
    exposeHeaders: ["ETag", "Retry-After"],
    maxAge: 86400,
  });

  app.use(observe(state.metrics, state.now));
  app.use(securityHeaders());
  // Only what other sites may use is readable cross-origin: not /metrics, /readyz or the pages.
  app.use((c, next) => embeddable(c.req.path) ? corsHeaders(c, next) : next());
  app.use(methodNotAllowed({ app, onMethodNotAllowed: errors.methodNotAllowed }));
  app.use(deadline(state.limits.timeoutMs));
  app.onError(errors.onError(state.log));
  app.notFound(errors.notFound(() => routesOf(app)));

  app.route("/", opsRoutes(state));
  app.route("/", staticRoutes(state));
  app.route("/", explainRoutes(state));
  app.route("/", imageRoutes(state));
  app.route("/", modelRoutes(state));
  if (options.discord) {
    app.route(
      "/discord/interactions",
      options.discord({
        models: state.registry.ids,
        loadModel: (id) => state.registry.get(id),
        renderPng: async (explanation) => {
          await state.renderer();
          return await renderPng(explanation);
        },
        slots: state.limiter,
        logError: state.log,
      }),
    );
  }
  return app;
}

/** The paths the app routes, for the 404's list. */
function routesOf(app: Hono<{ Variables: DeadlineVariables }>): string[] {
  return [...new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => r.path))];
}
