/** Unit tests through `app.request()` (no server). The computing routes' refusals: every 4xx with its code and message. */
import assert from "node:assert/strict";
import { METHODS } from "@glassbox/core";
import { app, expectError, makeApp, model, post } from "../_test_app.ts";

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
