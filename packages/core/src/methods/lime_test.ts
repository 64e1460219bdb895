import assert from "node:assert/strict";
import { lime, limeSamples, limeWeight } from "./lime.ts";
import { coalitionValues, modelContext, toyContext } from "./_coalitions_testing.ts";
import { releaseTestModels, testModel } from "./_gradient_testing.ts";
import * as reference from "@glassbox/wasm/reference";

const has = (present: number, k: number) => (present >> k) & 1;
const w = [0.5, -1, 2, 0.25, 3, -0.75, 1.25, -0.5];
const additive = (present: number) => 0.7 + w.reduce((s, wk, k) => s + wk * has(present, k), 0);

Deno.test("lime: the kernel is LIME's sqrt(exp(-(100 d)^2 / 25^2)) on cosine distance (1e-15)", () => {
  for (const [kept, p] of [[0, 5], [1, 5], [3, 5], [5, 5], [7, 12]]) {
    const cosine = kept === 0 ? 0 : kept / (Math.sqrt(kept) * Math.sqrt(p));
    const d = (1 - cosine) * 100;
    const expected = Math.sqrt(Math.exp(-(d ** 2) / 25 ** 2));
    assert.ok(Math.abs(limeWeight(kept, p, 0.25) - expected) < 1e-15, `${kept} of ${p}`);
  }
});

Deno.test("lime: without a penalty it recovers an additive objective exactly (1e-8)", async () => {
  const ctx = toyContext(lime, 8, additive, { samples: 300, alpha: 0 });
  const { scores } = await lime.run(ctx);
  scores.forEach((v, i) => assert.ok(Math.abs(v - [0, ...w, 0][i]) < 1e-8, `token ${i}: ${v}`));
});

/**
 * LIME's fit redone independently: ridge with an unpenalised intercept written as plain weighted
 * least squares on [1, z] with one extra row sqrt(alpha) e_j (target 0, weight 1) per token, solved
 * by the TypeScript reference (Gaussian elimination).
 */
function referenceFit(masks: Uint8Array, p: number, y: ArrayLike<number>, alpha: number): number[] {
  const samples = masks.length / p;
  const x: number[] = [], weights: number[] = [], target: number[] = [];
  for (let s = 0; s < samples; s++) {
    const z = Array.from(masks.subarray(s * p, (s + 1) * p));
    x.push(1, ...z);
    weights.push(limeWeight(z.reduce((a, b) => a + b, 0), p, 0.25));
    target.push(y[s]);
  }
  for (let j = 0; j < p; j++) {
    x.push(0, ...Array.from({ length: p }, (_, k) => (k === j ? Math.sqrt(alpha) : 0)));
    weights.push(1);
    target.push(0);
  }
  return Array.from(reference.weightedLeastSquares(x, weights, target, p + 1).subarray(1));
}

Deno.test("lime: the ridge fit equals an independent solve on the same samples (1e-9)", async () => {
  const interacting = (present: number) =>
    additive(present) + 2 * has(present, 1) * has(present, 4);
  const { scores } = await lime.run(toyContext(lime, 8, interacting, { samples: 200, seed: 9 }));
  const masks = limeSamples(8, 200, 9);
  const y = Array.from(
    { length: 200 },
    (_, s) =>
      interacting(masks.subarray(s * 8, s * 8 + 8).reduce((set, bit, k) => set | (bit << k), 0)),
  );
  const want = referenceFit(masks, 8, y, 1);
  scores.slice(1, 9).forEach((v, k) =>
    assert.ok(Math.abs(v - want[k]) < 1e-9, `token ${k}: ${v} vs ${want[k]}`)
  );
});

Deno.test("lime: a large penalty shrinks every coefficient toward 0", async () => {
  const loose = await lime.run(toyContext(lime, 8, additive, { samples: 300, alpha: 0 }));
  const tight = await lime.run(toyContext(lime, 8, additive, { samples: 300, alpha: 1e6 }));
  tight.scores.forEach((v, i) =>
    assert.ok(Math.abs(v) <= 1e-3 * Math.abs(loose.scores[i]) + 1e-12, `token ${i}: ${v}`)
  );
});

Deno.test("lime: the same seed gives the same scores, another seed others", async () => {
  const interacting = (present: number) => additive(present) * (1 + has(present, 2));
  const run = (seed: number) => lime.run(toyContext(lime, 8, interacting, { samples: 50, seed }));
  assert.deepEqual((await run(1)).scores, (await run(1)).scores);
  assert.notDeepEqual((await run(1)).scores, (await run(2)).scores);
});

Deno.test("lime: on a real model the coefficients equal the independent fit of its samples (1e-8)", async () => {
  const model = await testModel("distilbert-tiny-opset14");
  const ctx = await modelContext(model, lime, "The movie was surprisingly good fun", {
    samples: 120,
    seed: 3,
  });
  const { scores } = await lime.run(ctx);
  assert.equal(scores.length, 8);
  assert.equal(scores[0], 0);
  assert.equal(scores[7], 0);
  assert.ok(ctx.counters.forward <= 64, "each of the 64 coalitions is scored at most once");
  const value = await coalitionValues(ctx);
  const masks = limeSamples(6, 120, 3);
  const y = Array.from(
    { length: 120 },
    (_, s) => value(masks.subarray(s * 6, s * 6 + 6).reduce((set, bit, k) => set | (bit << k), 0)),
  );
  const want = referenceFit(masks, 6, y, 1);
  scores.slice(1, 7).forEach((v, k) =>
    assert.ok(Math.abs(v - want[k]) < 1e-8, `token ${k}: ${v} vs ${want[k]}`)
  );
  assert.ok(want.some((v) => Math.abs(v) > 1e-3), "the coefficients are not all zero");
});

Deno.test({ name: "lime: release models", fn: releaseTestModels, sanitizeResources: false });
