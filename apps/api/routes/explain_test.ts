/** Unit tests through `app.request()` (no server). The computing routes: results equal what core computes directly. */
import assert from "node:assert/strict";
import { explain, loadModel, MAX_TEXT_CHARS, METHODS, predict } from "@glassbox/core";
import { app, expectError, makeApp, model, post, TEST_MODEL, withoutTime } from "../_test_app.ts";

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
  assert.equal(response.headers.get("content-type"), "text/event-stream");
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
