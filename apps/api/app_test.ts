/**
 * Unit tests of the API through `app.request()` (no server): every route, every error code, the
 * headers that make embedding work, and that results equal what core computes directly.
 */
import assert from "node:assert/strict";
import {
  explain,
  loadModel,
  MAX_TEXT_CHARS,
  METHODS,
  type Model,
  ModelLoadError,
  predict,
} from "@glassbox/core";
import { Hono } from "hono";
import { type ApiOptions, createApp, type SharedWithDiscord } from "./app.ts";

/** The bundled demo models, loaded once for every app the tests create. */
const TEST_MODEL = "distilbert-sentiment";
const model: Model = await loadModel(TEST_MODEL);
const gpt2: Model = await loadModel("gpt2-tiny");

function makeApp(options: ApiOptions = {}) {
  return createApp({
    models: [TEST_MODEL],
    loadModel: (id) => Promise.resolve(id === TEST_MODEL ? model : gpt2),
    initRenderer: () => Promise.resolve(),
    log: () => {},
    ...options,
  });
}

const app = makeApp({ limits: { rateLimit: null } });

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function expectError(
  response: Response | Promise<Response>,
  status: number,
  code: string,
  message?: string | RegExp,
) {
  const r = await response;
  const body = await r.json();
  assert.equal(r.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.details, "object");
  if (typeof message === "string") assert.equal(body.error.message, message);
  else if (message) assert.match(body.error.message, message);
  return { response: r, body };
}

const withoutTime = <T extends { diagnostics: { elapsedMs: number } }>(x: T) => ({
  ...x,
  diagnostics: { ...x.diagnostics, elapsedMs: 0 },
});

Deno.test("GET /healthz and /readyz (503 until the model is loaded)", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow = makeApp({ loadModel: () => gate.then(() => model) });
  assert.deepEqual(await (await slow.request("/healthz")).json(), { status: "ok" });
  const { response, body } = await expectError(slow.request("/readyz"), 503, "not_ready");
  assert.equal(response.headers.get("retry-after"), "1");
  assert.deepEqual(body.error.details.models, { [TEST_MODEL]: "loading" });
  release();
  await gate;
  await new Promise((r) => setTimeout(r, 0));
  const ready = await slow.request("/readyz");
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: "ready", models: { [TEST_MODEL]: "ready" } });
});

Deno.test("GET /v1/models lists the served model", async () => {
  const body = await (await app.request("/v1/models")).json();
  assert.deepEqual(body, {
    models: [{
      id: TEST_MODEL,
      task: "text-classification",
      architecture: model.architecture,
      labels: model.labels,
      maxTokens: model.maxTokens,
      default: true,
    }],
  });
});

Deno.test("GET /v1/methods lists core's methods, outputs, aggregations and limits", async () => {
  const body = await (await app.request("/v1/methods")).json();
  assert.deepEqual(body.methods.map((m: { id: string }) => m.id), METHODS.map((m) => m.id));
  const occlusion = body.methods.find((m: { id: string }) => m.id === "occlusion");
  const spec = METHODS.find((m) => m.id === "occlusion")!;
  assert.deepEqual(occlusion.options, JSON.parse(JSON.stringify(spec.options)));
  assert.deepEqual(body.outputs, ["logit", "probability", "log-probability"]);
  assert.deepEqual(body.aggregations, ["sum", "mean", "max"]);
  assert.deepEqual(body.limits, {
    maxTextChars: MAX_TEXT_CHARS,
    maxTokens: { [TEST_MODEL]: model.maxTokens },
    maxBodyBytes: 65536,
    maxTopK: 100,
    timeoutMs: 30000,
    concurrency: 2,
    queueSize: 16,
    rateLimit: null,
  });
});

Deno.test("POST /v1/predict equals core's predict", async () => {
  const response = await post("/v1/predict", { text: "What a wonderful day", topK: 2 });
  assert.equal(response.status, 200);
  const expected = await predict(model, "What a wonderful day", { topK: 2 });
  assert.deepEqual(withoutTime(await response.json()), withoutTime(expected));
});

Deno.test("POST /v1/explain equals core's explain, options and target included", async () => {
  const request = {
    text: "What a wonderful day",
    method: "occlusion",
    target: "POSITIVE",
    output: "probability",
    params: { window: 2 },
  } as const;
  const response = await post("/v1/explain", request);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("cross-origin-resource-policy"), "cross-origin");
  const expected = await explain(model, request.text, { ...request });
  const body = await response.json();
  assert.deepEqual(withoutTime(body), withoutTime(expected));
  assert.equal(body.target.label, "POSITIVE");
  assert.deepEqual(body.method.params, { window: 2, replacement: "remove", aggregation: "sum" });
});

Deno.test("POST /v1/explain/stream sends progress events, then the result", async () => {
  const response = await post("/v1/explain/stream", { text: "What a wonderful day" });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const events = (await response.text()).trim().split("\n\n").map((block) => {
    const [event, data] = block.split("\n");
    return { event: event.slice(7), data: JSON.parse(data.slice(6)) };
  });
  assert.deepEqual(events[0], {
    event: "progress",
    data: { method: "occlusion", done: 0, total: 5 },
  });
  const last = events.at(-1)!;
  assert.equal(last.event, "result");
  const expected = await explain(model, "What a wonderful day");
  assert.deepEqual(withoutTime(last.data), withoutTime(expected));
});

Deno.test("POST /v1/explain/stream reports a failure after the headers as an error event", async () => {
  const response = await post("/v1/explain/stream", { text: "a b", target: "NEUTRAL" });
  const text = await response.text();
  assert.equal(response.status, 200);
  const block = text.trim().split("\n\n").at(-1)!;
  assert.equal(block.split("\n")[0], "event: error");
  const data = JSON.parse(block.split("\n")[1].slice(6));
  assert.equal(data.error.code, "invalid_input");
  assert.match(data.error.message, /Unknown target label "NEUTRAL"/);
});

Deno.test("GET /v1/explain.svg and .png: pictures with ETag, 304 on If-None-Match", async () => {
  const svg = await app.request("/v1/explain.svg?text=What%20a%20day&params.window=2&words=1");
  assert.equal(svg.status, 200);
  assert.equal(svg.headers.get("content-type"), "image/svg+xml; charset=utf-8");
  assert.equal(svg.headers.get("cross-origin-resource-policy"), "cross-origin");
  assert.equal(svg.headers.get("cache-control"), "public, max-age=86400");
  assert.match(
    await svg.text(),
    /^<svg[^>]*>\n<title>occlusion attributions of distilbert-sentiment/,
  );
  const etag = svg.headers.get("etag")!;
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  const again = await app.request("/v1/explain.svg?words=1&params.window=2&text=What%20a%20day", {
    headers: { "if-none-match": etag },
  });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get("etag"), etag);
  const other = await app.request("/v1/explain.svg?text=What%20a%20day");
  assert.notEqual(other.headers.get("etag"), etag);
  await other.body?.cancel();

  const png = await app.request("/v1/explain.png?text=What%20a%20day&scale=2");
  assert.equal(png.status, 200);
  assert.equal(png.headers.get("content-type"), "image/png");
  const bytes = new Uint8Array(await png.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  // IHDR width at scale 2 of an 800 px picture.
  assert.equal(new DataView(bytes.buffer).getUint32(16), 1600);
});

Deno.test("GET /openapi.json and /docs describe every route", async () => {
  const doc = await (await app.request("http://api.test/openapi.json")).json();
  assert.equal(doc.openapi, "3.1.0");
  assert.deepEqual(doc.servers, [{ url: "http://api.test" }]);
  for (
    const path of [
      "/v1/models",
      "/v1/methods",
      "/v1/predict",
      "/v1/explain",
      "/v1/explain/stream",
      "/v1/explain.svg",
      "/v1/explain.png",
      "/healthz",
      "/readyz",
      "/metrics",
    ]
  ) assert.ok(doc.paths[path], path);
  assert.deepEqual(doc.components.schemas.ExplainRequest.required, ["text"]);
  const docs = await app.request("/docs");
  assert.equal(docs.headers.get("content-type"), "text/html; charset=UTF-8");
  assert.equal(docs.headers.get("cross-origin-resource-policy"), "same-origin");
  const html = await docs.text();
  assert.match(html, /&#34;maxBodyBytes&#34;: 65536/);
  assert.match(html, /<code>occlusion<\/code>/);
  assert.match(html, /<code>queue_full<\/code><\/td><td>429/);
});

Deno.test("GET / serves the playground when there is one, else the landing page", async () => {
  assert.match(await (await app.request("/")).text(), /<a href="\/docs">API docs<\/a>/);
  const files: Record<string, string> = {
    "playground.html": "<!doctype html><title>playground</title>",
    "widget/glassbox-widget.js": "export {};",
  };
  const withWidget = makeApp({
    readStatic: (name) =>
      Promise.resolve(name in files ? new TextEncoder().encode(files[name]) : undefined),
  });
  assert.equal(await (await withWidget.request("/")).text(), files["playground.html"]);
  const script = await withWidget.request("/widget/glassbox-widget.js");
  assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(script.headers.get("cross-origin-resource-policy"), "cross-origin");
  assert.equal(await script.text(), "export {};");
  await expectError(withWidget.request("/widget/nothing.js"), 404, "not_found");
  await expectError(withWidget.request("/widget/..%2Fplayground.html"), 404, "not_found");
});

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

Deno.test("400: malformed JSON and invalid UTF-8", async () => {
  await expectError(
    post("/v1/explain", '{"text": "a",'),
    400,
    "malformed_json",
    /^The request body is not valid JSON: /,
  );
  await expectError(
    app.request("/v1/predict", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Uint8Array([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    }),
    400,
    "malformed_body",
    "The request body is not valid UTF-8",
  );
  await expectError(app.request("/v1/explain.svg?text=%FF"), 400, "malformed_query");
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

Deno.test("413: body too large, by Content-Length and while streaming", async () => {
  const small = makeApp({ limits: { maxBodyBytes: 1024 } });
  await expectError(
    small.request("/v1/explain", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": "5000" },
      body: "x".repeat(5000),
    }),
    413,
    "body_too_large",
    "The request body is 5000 bytes; the limit is 1024 bytes",
  );
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(512).fill(0x20));
    },
  });
  await expectError(
    small.request("/v1/explain", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: endless,
      duplex: "half",
    } as RequestInit),
    413,
    "body_too_large",
    "The request body is more than 1024 bytes; the limit is 1024 bytes",
  );
  assert.ok(pulled <= 4, `read ${pulled} chunks of an endless body`);
});

Deno.test("415: not application/json", async () => {
  for (
    const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/json; charset=latin1",
    ]
  ) {
    await expectError(
      post("/v1/explain", { text: "a" }, { "content-type": type }),
      415,
      "unsupported_media_type",
      `The body must be JSON with Content-Type: application/json (UTF-8), got ${
        JSON.stringify(type)
      }`,
    );
  }
  const ok = await post("/v1/predict", { text: "a" }, {
    "content-type": "Application/JSON; charset=UTF-8",
  });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
});

Deno.test("422: schema, input, method and option errors", async () => {
  await expectError(
    post("/v1/explain", { text: "a", methd: "x" }),
    422,
    "invalid_request",
    'Invalid request: (body): Unrecognized key: "methd"',
  );
  await expectError(post("/v1/explain", [1, 2]), 422, "invalid_request");
  await expectError(
    post("/v1/predict", { text: "a", topK: 0 }),
    422,
    "invalid_request",
    /^Invalid request: topK: /,
  );
  await expectError(
    post("/v1/explain", { text: "   " }),
    422,
    "invalid_input",
    "Text is empty: give at least one non-whitespace character",
  );
  await expectError(
    post("/v1/explain", { text: "a\ud800b" }),
    422,
    "invalid_input",
    "Text has a lone surrogate (U+D800) at index 1; send well-formed Unicode",
  );
  const unknown = await expectError(
    post("/v1/explain", { text: "a", method: "toString" }),
    422,
    "unknown_method",
    `Unknown method "toString": known methods are ${METHODS.map((m) => m.id).join(", ")}`,
  );
  assert.deepEqual(unknown.body.error.details.known, METHODS.map((m) => m.id));
  await expectError(
    post("/v1/explain", { text: "a", params: { window: -1 } }),
    422,
    "invalid_option",
    'Cannot run occlusion: "window" must be >= 1, current value is -1',
  );
  await expectError(
    post("/v1/explain", { text: "a", params: { window: 1.5 } }),
    422,
    "invalid_option",
    'Cannot run occlusion: "window" must be an integer, current value is 1.5',
  );
  await expectError(
    post("/v1/explain", { text: "a", params: { window: "2" } }),
    422,
    "invalid_option",
    'Cannot run occlusion: "window" must be a finite number, current value is "2"',
  );
  await expectError(
    post("/v1/explain", '{"text": "a", "params": {"__proto__": {"window": 2}}}'),
    422,
    "invalid_option",
    'Cannot run occlusion: unknown option "__proto__"; allowed options are window, replacement',
  );
  await expectError(
    app.request("/v1/explain.svg?text=a&params.window=NaN"),
    422,
    "invalid_option",
    'Cannot run occlusion: "window" must be a finite number, current value is NaN',
  );
  await expectError(
    app.request("/v1/explain.svg?text=a&params.window=Infinity"),
    422,
    "invalid_option",
    'Cannot run occlusion: "window" must be a finite number, current value is Infinity',
  );
  await expectError(
    app.request("/v1/explain.svg?text=a&size=3"),
    422,
    "invalid_request",
    /^Unknown query parameter "size"/,
  );
  await expectError(
    app.request("/v1/explain.svg"),
    422,
    "invalid_request",
    /^Invalid request: text: /,
  );
});

Deno.test("429: per-client rate limit and full queue, with Retry-After", async () => {
  let t = 0;
  const limited = makeApp({
    now: () => t,
    limits: { rateLimit: { perSecond: 1, burst: 2 } },
    clientKey: (c) => c.req.header("x-client"),
  });
  const call = (client: string) =>
    limited.request("/v1/predict", {
      method: "POST",
      headers: { "content-type": "application/json", "x-client": client },
      body: '{"text": "a"}',
    });
  assert.equal((await call("a")).status, 200);
  assert.equal((await call("a")).status, 200);
  const { response } = await expectError(
    call("a"),
    429,
    "rate_limited",
    /^Too many requests from this client/,
  );
  assert.equal(response.headers.get("retry-after"), "1");
  assert.equal((await call("b")).status, 200);
  t += 1000;
  assert.equal((await call("a")).status, 200);

  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const busy = makeApp({
    loadModel: () => gate.then(() => model),
    limits: { concurrency: 1, queueSize: 0 },
  });
  const first = busy.request("/v1/predict", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"text": "a"}',
  });
  await new Promise((r) => setTimeout(r, 10));
  const full = await expectError(
    busy.request("/v1/predict", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"text": "a"}',
    }),
    429,
    "queue_full",
  );
  assert.match(full.response.headers.get("retry-after")!, /^[1-9]\d*$/);
  release();
  assert.equal((await first).status, 200);
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

Deno.test("GET /metrics counts requests by route and status, errors by code, latency", async () => {
  const fresh = makeApp();
  await fresh.request("/healthz");
  await fresh.request("/healthz");
  await fresh.request("/nope");
  await (await fresh.request("/v1/predict", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"text": "a"}',
  })).body?.cancel();
  const response = await fresh.request("/metrics");
  assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const text = await response.text();
  const lines = new Set(text.split("\n"));
  for (
    const line of [
      'glassbox_http_requests_total{route="/healthz",status="200"} 2',
      'glassbox_http_requests_total{route="unmatched",status="404"} 1',
      'glassbox_http_requests_total{route="/v1/predict",status="200"} 1',
      'glassbox_errors_total{code="not_found"} 1',
      'glassbox_http_request_duration_seconds_count{route="/healthz"} 2',
      'glassbox_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"} 2',
      "glassbox_queue_depth 0",
      "glassbox_running 0",
      "glassbox_models_loaded 1",
      "# TYPE glassbox_http_request_duration_seconds histogram",
    ]
  ) assert.ok(lines.has(line), `missing: ${line}\n${text}`);
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

Deno.test("a causal LM: gpt2-tiny listed, predicted and explained as core does", async () => {
  const both = makeApp({ models: [TEST_MODEL, "gpt2-tiny"] });
  const listed = (await (await both.request("/v1/models")).json()).models;
  assert.deepEqual(
    listed.map((m: { id: string; default: boolean; task: string }) => [m.id, m.default, m.task]),
    [
      [TEST_MODEL, true, "text-classification"],
      ["gpt2-tiny", false, "text-generation"],
    ],
  );
  assert.equal(listed[1].labels, undefined);
  const text = "The movie was";
  const request = { text, model: "gpt2-tiny", target: "good", output: "log-probability" } as const;
  const response = await both.request("/v1/explain", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  const expected = await explain(gpt2, text, { target: "good", output: "log-probability" });
  assert.deepEqual(
    withoutTime(body),
    withoutTime({ ...expected, model: { ...expected.model, id: "gpt2-tiny" } }),
  );
  assert.equal(body.target.position, body.tokens.length - 1);
  const unknown = await both.request("/v1/explain", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text, model: "gpt2-tiny", target: "good movie" }),
  });
  assert.equal(unknown.status, 422);
  assert.match((await unknown.json()).error.message, /^target "good movie" is 2 tokens/);
});

Deno.test("GET /models/ID/FILE serves the model's own files for on-device mode, and nothing else", async () => {
  const config = await app.request(`/models/${TEST_MODEL}/config.json`);
  assert.equal(config.status, 200);
  assert.deepEqual(await config.json(), model.config);
  const onnx = await app.request(`/models/${TEST_MODEL}/onnx/model.onnx`);
  assert.equal(onnx.status, 200);
  assert.deepEqual(new Uint8Array(await onnx.arrayBuffer()), model.onnx);
  await expectError(
    app.request(`/models/${TEST_MODEL}/heldout.jsonl`),
    404,
    "not_found",
    'No model file "heldout.jsonl"; served are config.json, tokenizer.json, tokenizer_config.json, onnx/*.onnx',
  );
  // Dot segments are resolved by URL parsing before routing; encoded ones never match a served name.
  await expectError(
    app.request(`/models/${TEST_MODEL}/onnx/../../README.md`),
    404,
    "unknown_model",
  );
  await expectError(
    app.request(`/models/${TEST_MODEL}/onnx%2F..%2F..%2FREADME.md`),
    404,
    "not_found",
  );
  await expectError(app.request("/models/nope/config.json"), 404, "unknown_model");
  await expectError(
    app.request(`/models/${TEST_MODEL}/config.json`, { method: "POST" }),
    405,
    "method_not_allowed",
  );
});

Deno.test("POST /v1/explain with faithfulness adds diagnostics.faithfulness, as eval computes it", async () => {
  const { withFaithfulness } = await import("@glassbox/eval/faithfulness");
  const { explain } = await import("@glassbox/core");
  const text = "The service was terrible and slow";
  const r = await post("/v1/explain", { text, faithfulness: true });
  assert.equal(r.status, 200);
  const body = await r.json();
  const direct = await withFaithfulness(model, await explain(model, text));
  const untimed = (f: Record<string, unknown>) => ({ ...f, elapsedMs: 0 });
  assert.deepEqual(
    untimed(body.diagnostics.faithfulness),
    untimed(JSON.parse(JSON.stringify(direct.diagnostics.faithfulness))),
  );
  await expectError(post("/v1/explain", { text, faithfulness: "yes" }), 422, "invalid_request");
});

Deno.test("faithfulness runs under the request's signal: a client gone before it cancels it", async () => {
  // A model of its own whose graph runs are counted: the explanation's, then faithfulness's.
  const counted = await loadModel(TEST_MODEL);
  const run = counted.session.run.bind(counted.session);
  let runs = 0;
  let afterRun = () => {};
  counted.session.run = async (...args) => {
    runs++;
    const result = await run(...args);
    afterRun();
    return result;
  };
  const own = makeApp({ loadModel: () => Promise.resolve(counted), limits: { rateLimit: null } });
  const text = "The service was terrible and slow";
  const request = (faithfulness: boolean, signal?: AbortSignal) =>
    own.request("/v1/explain", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text, faithfulness }),
      signal,
    });
  assert.equal((await request(false)).status, 200);
  const explanationRuns = runs;
  runs = 0;
  assert.equal((await request(true)).status, 200);
  assert.ok(runs > explanationRuns, "faithfulness runs the model");
  // The client leaves as the explanation's last run ends: faithfulness must not start.
  runs = 0;
  const client = new AbortController();
  afterRun = () => {
    if (runs === explanationRuns) client.abort();
  };
  const cancelled = await request(true, client.signal);
  assert.equal(cancelled.status, 499, await cancelled.clone().text());
  assert.equal((await cancelled.json()).error.code, "client_closed");
  assert.equal(runs, explanationRuns, "faithfulness ran after the client left");
});
