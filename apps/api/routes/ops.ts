/**
 * The operator's routes: `GET /healthz` (the process answers), `GET /readyz` (every model loaded;
 * 503 `not_ready` with each model's state until then) and `GET /metrics` (Prometheus text). None of
 * them is readable by other sites' scripts (no CORS, `Cross-Origin-Resource-Policy: same-origin`).
 *
 * @module
 */
import { Hono } from "hono";
import { ApiError, fail } from "../middleware/errors.ts";
import type { ApiState } from "../state.ts";

/** The operator's routes. */
export function opsRoutes(state: ApiState): Hono {
  const app = new Hono();
  const { registry, metrics } = state;
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    if (!registry.ready) {
      void registry.warm(state.keepAlive(c), false);
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
  return app;
}
