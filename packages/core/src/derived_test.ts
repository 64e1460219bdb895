import assert from "node:assert/strict";
import { memoDerived } from "./derived.ts";
import { InputError, UnsupportedOpError } from "./errors.ts";
import { loadModel } from "./model.ts";
import { positionHeadSession } from "./internals/position_head.ts";

Deno.test("memoDerived shares one build, remembers refusals of the model and retries other failures", async () => {
  const model = { derived: new Map<string, Promise<unknown>>() };
  let builds = 0;
  const shared = () => memoDerived(model, "a", () => Promise.resolve(++builds));
  assert.deepEqual(await Promise.all([shared(), shared()]), [1, 1]);

  const refusals = [
    new UnsupportedOpError("Foo", "n1", "it has no gradient rule"),
    new InputError("no residual stream"),
  ];
  for (const [i, refusal] of refusals.entries()) {
    let calls = 0;
    const refused = () =>
      memoDerived(model, `refused-${i}`, () => {
        calls++;
        return Promise.reject(refusal);
      });
    await assert.rejects(refused(), (e) => e === refusal);
    await assert.rejects(refused(), (e) => e === refusal);
    assert.equal(calls, 1, `${refusal.name} is remembered`);
  }

  let attempts = 0;
  const flaky = () =>
    memoDerived(model, "flaky", () => {
      attempts++;
      if (attempts === 1) throw new Error("out of memory");
      return Promise.resolve("built");
    });
  await assert.rejects(flaky(), { message: "out of memory" });
  assert.equal(model.derived.has("flaky"), false, "a transient failure is forgotten");
  assert.equal(await flaky(), "built");
  assert.equal(await flaky(), "built");
  assert.equal(attempts, 2);
});

Deno.test("the position head falls back to the full graph after a transient failure and is built on the next call", async () => {
  const model = await loadModel("gpt2-tiny");
  const createSession = model.createSession;
  let failures = 1;
  model.createSession = (bytes, data) => {
    if (failures-- > 0) return Promise.reject(new Error("session creation failed"));
    return createSession(bytes, data);
  };
  try {
    assert.equal(await positionHeadSession(model), undefined);
    assert.equal(model.derived.has("position-head"), false);
    const head = await positionHeadSession(model);
    assert.ok(head?.inputs.some((i) => i.name === "glassbox_position"));
    assert.equal(await positionHeadSession(model), head, "kept once built");
  } finally {
    await model.release();
  }
});
