/** Unit tests through `app.request()` (no server). The operator's routes: health, readiness and metrics. */
import assert from "node:assert/strict";
import { expectError, makeApp, model, TEST_MODEL } from "../_test_app.ts";

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
