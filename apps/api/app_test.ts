/** Unit tests through `app.request()` (no server). What the app composes: CORS, 404, 405, HEAD, the Discord mount, 503 and 504. */
import assert from "node:assert/strict";
import { type Model, ModelLoadError } from "@glassbox/core";
import { Hono } from "hono";
import type { SharedWithDiscord } from "./app.ts";
import { app, expectError, makeApp, model, post, TEST_MODEL } from "./_test_app.ts";

Deno.test("CORS: configured origins get the headers, preflight answers 204", async () => {
  const strict = makeApp({ corsOrigins: ["https://docs.example"] });
  const preflight = await strict.request("/v1/explain", {
    method: "OPTIONS",
    headers: {
      origin: "https://docs.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "https://docs.example");
  assert.match(preflight.headers.get("access-control-allow-methods")!, /POST/);
  const other = await strict.request("/v1/models", { headers: { origin: "https://evil.example" } });
  assert.equal(other.headers.get("access-control-allow-origin"), null);
  const any = { headers: { origin: "https://evil.example" } };
  assert.equal(
    (await app.request("/v1/models", any)).headers.get("access-control-allow-origin"),
    "*",
  );
  // Operational routes are for the operator, not for other sites' scripts.
  for (const path of ["/metrics", "/readyz", "/healthz"]) {
    assert.equal((await app.request(path, any)).headers.get("access-control-allow-origin"), null);
  }
});

Deno.test("404: unknown route and unknown model", async () => {
  await expectError(
    app.request("/v2/explain"),
    404,
    "not_found",
    "No route GET /v2/explain; see /docs",
  );
  const { body } = await expectError(
    post("/v1/explain", { text: "a", model: "toString" }),
    404,
    "unknown_model",
    `Unknown model "toString": this server serves ${TEST_MODEL}`,
  );
  assert.deepEqual(body.error.details.known, [TEST_MODEL]);
  await expectError(app.request("/discord/interactions", { method: "POST" }), 404, "not_found");
});

Deno.test("405: wrong method, with Allow", async () => {
  const { response } = await expectError(
    app.request("/v1/explain", { method: "GET" }),
    405,
    "method_not_allowed",
    "GET is not allowed on /v1/explain; use POST",
  );
  assert.equal(response.headers.get("allow"), "POST, OPTIONS");
  const put = await expectError(
    app.request("/v1/models", { method: "DELETE" }),
    405,
    "method_not_allowed",
  );
  assert.equal(put.response.headers.get("allow"), "GET, HEAD, OPTIONS");
});

Deno.test("503 when the model cannot be loaded, 504 on timeout", async () => {
  const broken = makeApp({
    loadModel: () =>
      Promise.reject(new ModelLoadError("/models/x/onnx/model.onnx", "file not found")),
  });
  await expectError(
    broken.request("/v1/predict", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"text": "a"}',
    }),
    503,
    "model_unavailable",
    `Model "${TEST_MODEL}" cannot be loaded: onnx/model.onnx: file not found`,
  );
  const models = await (await broken.request("/v1/models")).json();
  assert.deepEqual(models.models, []);
  assert.equal(models.unavailable[0].id, TEST_MODEL);
  // A reason that names paths or URLs keeps its kind and loses the paths.
  const denied = makeApp({
    loadModel: () =>
      Promise.reject(
        new ModelLoadError(
          "https://models.example/x/config.json",
          "Permission denied (os error 13): open '/srv/models/x/config.json' via file:///srv/x",
        ),
      ),
  });
  await expectError(
    denied.request("/v1/predict", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"text": "a"}',
    }),
    503,
    "model_unavailable",
    `Model "${TEST_MODEL}" cannot be loaded: config.json: Permission denied (os error 13): ` +
      "open '(path)' via (path)",
  );

  const stuck = makeApp({
    loadModel: () => new Promise<Model>(() => {}),
    limits: { timeoutMs: 30 },
  });
  await expectError(
    stuck.request("/v1/explain", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"text": "a"}',
    }),
    504,
    "timeout",
    "The request took longer than the server's limit of 30 ms",
  );
});

Deno.test("HEAD on GET routes; POST /discord/interactions mounted when configured", async () => {
  const head = await app.request("/v1/models", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  let shared: SharedWithDiscord | undefined;
  const discord = makeApp({
    limits: { concurrency: 3, queueSize: 5 },
    discord: (services) => {
      shared = services;
      return new Hono().post("/", (c) => c.json({ type: 1 }));
    },
  });
  const posted = await discord.request("/discord/interactions", { method: "POST" });
  assert.deepEqual(await posted.json(), { type: 1 });
  // The Discord app gets the API's own limiter, models and loader.
  assert.deepEqual([shared!.slots.concurrency, shared!.slots.queueSize], [3, 5]);
  assert.deepEqual(shared!.models, [TEST_MODEL]);
  assert.equal(await shared!.loadModel(TEST_MODEL), model);
  const { response } = await expectError(
    discord.request("/discord/interactions"),
    405,
    "method_not_allowed",
  );
  assert.equal(response.headers.get("allow"), "POST, OPTIONS");
});
