/**
 * The picture routes, `GET /v1/explain.svg` and `GET /v1/explain.png`: an explanation asked for in
 * the query string (so a plain `<img>` can embed it), drawn by the renderer. The ETag covers the
 * model's hash and the canonical query, so an unchanged picture costs a 304 and no computation.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { getMethod, type OptionSpec } from "@glassbox/core";
import { renderPng, renderSvg } from "@glassbox/render";
import { ApiError } from "../middleware/errors.ts";
import { rateLimit } from "../middleware/rate_limit.ts";
import type { DeadlineVariables } from "../middleware/timeout.ts";
import { fromQuery, parseQuery, prepare, sha256Hex } from "../request.ts";
import { IMAGE_QUERY, IMAGE_WIDTH } from "../schemas.ts";
import type { ApiState } from "../state.ts";
import { runExplain } from "./explain.ts";

type Env = { Variables: DeadlineVariables };

/** Bumped when the picture for the same request and model changes, so image ETags change too. */
const IMAGE_VERSION = "1";

/** The picture routes. */
export function imageRoutes(state: ApiState): Hono<Env> {
  const image = (kind: "svg" | "png") => async (c: Context<Env>) => {
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
    const prepared = prepare(state.registry, raw, params);
    const model = await state.registry.get(prepared.modelId, state.keepAlive(c));
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
    const explanation = await runExplain(c, state, prepared);
    await state.renderer();
    if (kind === "svg") {
      return c.body(renderSvg(explanation, render), 200, {
        ...headers,
        "Content-Type": "image/svg+xml; charset=utf-8",
      });
    }
    const png = await renderPng(explanation, render);
    return c.body(png as Uint8Array<ArrayBuffer>, 200, { ...headers, "Content-Type": "image/png" });
  };
  const app = new Hono<Env>();
  const limited = rateLimit(state.rateLimiter, (c) => state.options.clientKey?.(c));
  app.get("/v1/explain.svg", limited, image("svg"));
  app.get("/v1/explain.png", limited, image("png"));
  return app;
}
