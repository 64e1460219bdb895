/** Tests of the error shape, the mapping from core's errors, and the app-level handlers. */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { methodNotAllowed as honoMethodNotAllowed } from "hono/method-not-allowed";
import { InputError, ModelLoadError, UnknownMethodError } from "@glassbox/core";
import {
  ApiError,
  ERROR_CODES,
  type ErrorVariables,
  methodNotAllowed,
  ModelUnavailableError,
  notFound,
  onError,
  toApiError,
} from "./errors.ts";

Deno.test("toApiError: core's errors by kind, built-in ones by phase", () => {
  assert.equal(toApiError(new InputError("Text is empty"), "compute").code, "invalid_input");
  const unknown = toApiError(new UnknownMethodError("x", ["occlusion"]), "validate");
  assert.deepEqual([unknown.code, unknown.status], ["unknown_method", 422]);
  assert.equal(toApiError(new RangeError("bad"), "validate").code, "invalid_option");
  assert.equal(toApiError(new RangeError("bug"), "compute").code, "internal");
  const unavailable = toApiError(
    new ModelUnavailableError("m", new ModelLoadError("/srv/m/onnx/model.onnx", "file not found")),
    "compute",
  );
  assert.deepEqual(unavailable.toBody(), {
    error: {
      code: "model_unavailable",
      message: 'Model "m" cannot be loaded: onnx/model.onnx: file not found',
      details: { model: "m" },
    },
  });
  assert.equal(unavailable.headers["Retry-After"], "30");
  // A bare load error never reaches clients with its path.
  assert.equal(toApiError(new ModelLoadError("/srv/x", "y"), "compute").code, "internal");
  assert.equal(
    new ModelUnavailableError("m", new Error("/srv/secret")).message,
    'Model "m" cannot be loaded: the loader failed; the server log has the details',
  );
});

Deno.test("every code has its documented status", () => {
  for (const [code, status] of Object.entries(ERROR_CODES)) {
    assert.equal(new ApiError(code as keyof typeof ERROR_CODES, "x").status, status);
  }
});

Deno.test("handlers: onError logs internal errors only, 404 lists routes, 405 has Allow", async () => {
  const logged: string[] = [];
  const counted: string[] = [];
  const app = new Hono<{ Variables: ErrorVariables }>();
  app.use(async (c, next) => {
    await next();
    counted.push(c.get("errorCode")!);
  });
  app.use(honoMethodNotAllowed({ app, onMethodNotAllowed: methodNotAllowed }));
  app.onError(onError((message) => void logged.push(message)));
  app.notFound(notFound(() => ["/a"]));
  app.get("/a", () => {
    throw new Error("bug");
  });
  app.get("/b", () => {
    throw new ApiError("invalid_input", "no");
  });
  const internal = await app.request("/a");
  assert.equal(internal.status, 500);
  assert.equal(
    (await internal.json()).error.message,
    "Internal error; the server log has the details",
  );
  assert.equal((await app.request("/b")).status, 422);
  const missing = await app.request("/c");
  assert.deepEqual((await missing.json()).error.details, { routes: ["/a"] });
  const wrong = await app.request("/a", { method: "POST" });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get("allow"), "GET, HEAD, OPTIONS");
  assert.deepEqual((await wrong.json()).error, {
    code: "method_not_allowed",
    message: "POST is not allowed on /a; use GET",
    details: { allow: ["GET"] },
  });
  assert.deepEqual(logged, ["Internal error on GET /a"]);
  assert.deepEqual(counted, ["internal", "invalid_input", "not_found", "method_not_allowed"]);
});
