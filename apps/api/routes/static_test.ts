/** Unit tests through `app.request()` (no server). The pages and files. */
import assert from "node:assert/strict";
import { app, expectError, makeApp } from "../_test_app.ts";

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
