/** Unit tests through `app.request()` (no server). The model routes: the list, and each model's own files. */
import assert from "node:assert/strict";
import { explain } from "@glassbox/core";
import { app, expectError, gpt2, makeApp, model, TEST_MODEL, withoutTime } from "../_test_app.ts";

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
