/**
 * The pages and files: `GET /` (the widget playground when the widget is built, else a landing
 * page), `GET /docs`, `GET /openapi.json` and `GET /widget/:file` (the widget's built bundles). The
 * files come through the runtime's `readStatic`; names are checked before it is asked.
 *
 * @module
 */
import { Hono } from "hono";
import { METHODS } from "@glassbox/core";
import { ApiError } from "../middleware/errors.ts";
import { docsPage, landingPage } from "../pages.ts";
import { openApiDocument } from "../schemas.ts";
import type { ApiState } from "../state.ts";

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  wasm: "application/wasm",
  css: "text/css; charset=utf-8",
  json: "application/json",
};

/** The Content-Type of a served file, by its extension. */
export function contentType(file: string): string {
  return CONTENT_TYPES[file.split(".").pop()!] ?? "application/octet-stream";
}

/** The page and file routes. */
export function staticRoutes(state: ApiState): Hono {
  const app = new Hono();
  const readStatic = state.options.readStatic;

  app.get("/", async (c) => {
    const playground = await readStatic?.("playground.html");
    return c.html(playground ? new TextDecoder().decode(playground) : landingPage());
  });
  app.get(
    "/docs",
    async (c) => c.html(docsPage({ methods: METHODS, limits: await state.limitsDocument(c) })),
  );
  app.get("/openapi.json", (c) => c.json(openApiDocument(new URL(c.req.url).origin)));
  app.get("/widget/:file", async (c) => {
    const file = c.req.param("file");
    const bytes = /^[\w.-]+$/.test(file) && !file.startsWith(".")
      ? await readStatic?.(`widget/${file}`)
      : undefined;
    if (!bytes) throw new ApiError("not_found", `No widget file ${JSON.stringify(file)}`);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": contentType(file),
      "Cache-Control": "public, max-age=3600",
    });
  });
  return app;
}
