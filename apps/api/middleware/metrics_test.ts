/** Tests of the Prometheus registry and the middleware that feeds it. */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { Metrics, observe } from "./metrics.ts";

Deno.test("Metrics: counters, histogram buckets and gauges in the text format", () => {
  const metrics = new Metrics(() => ({ glassbox_running: ["Computations running.", 2] }));
  metrics.observe("/v1/explain", 200, 0.02);
  metrics.observe("/v1/explain", 200, 3);
  metrics.observe('/a"b', 404, 0.001);
  metrics.error("queue_full");
  metrics.cancelled();
  const lines = metrics.render().split("\n");
  for (
    const line of [
      'glassbox_http_requests_total{route="/v1/explain",status="200"} 2',
      'glassbox_http_requests_total{route="/a\\"b",status="404"} 1',
      'glassbox_http_request_duration_seconds_bucket{route="/v1/explain",le="0.025"} 1',
      'glassbox_http_request_duration_seconds_bucket{route="/v1/explain",le="2.5"} 1',
      'glassbox_http_request_duration_seconds_bucket{route="/v1/explain",le="5"} 2',
      'glassbox_http_request_duration_seconds_bucket{route="/v1/explain",le="+Inf"} 2',
      'glassbox_http_request_duration_seconds_sum{route="/v1/explain"} 3.02',
      'glassbox_errors_total{code="queue_full"} 1',
      "glassbox_cancelled_total 1",
      "# TYPE glassbox_running gauge",
      "glassbox_running 2",
    ]
  ) assert.ok(lines.includes(line), `missing: ${line}`);
});

Deno.test("observe: requests are filed under their route pattern, unknown paths as unmatched", async () => {
  const metrics = new Metrics();
  let clock = 0;
  const app = new Hono();
  app.use(observe(metrics, () => (clock += 100)));
  app.get("/models/:model/*", (c) => c.text("file"));
  await app.request("/models/gpt2-tiny/config.json");
  await app.request("/nowhere");
  const text = metrics.render();
  assert.match(
    text,
    /^glassbox_http_requests_total\{route="\/models\/:model\/\*",status="200"\} 1$/m,
  );
  assert.match(text, /^glassbox_http_requests_total\{route="unmatched",status="404"\} 1$/m);
  assert.match(text, /^glassbox_http_request_duration_seconds_sum\{route="unmatched"\} 0\.1$/m);
});
