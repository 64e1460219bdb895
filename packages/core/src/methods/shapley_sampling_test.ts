import assert from "node:assert/strict";
import { shapleySampling } from "./shapley_sampling.ts";
import { coalitionValues, exactShapley, modelContext, toyContext } from "./_coalitions_testing.ts";
import { releaseTestModels, testModel } from "./_gradient_testing.ts";

const has = (present: number, k: number) => (present >> k) & 1;

/** Largest |estimate - exact| over the players (special tokens dropped from the estimate). */
function maxError(scores: readonly number[], exact: readonly number[]): number {
  return Math.max(...exact.map((e, k) => Math.abs(scores[k + 1] - e)));
}

/** Six players with a strong pairwise and a three-way interaction, so single permutations vary. */
const interacting = (present: number) =>
  [1, -2, 0.5, 3, 0, -1].reduce((s, w, k) => s + w * has(present, k), 0) +
  4 * has(present, 0) * has(present, 3) - 3 * has(present, 1) * has(present, 2) * has(present, 5);

Deno.test("shapley-sampling: an additive objective is exact from one permutation", async () => {
  const w = [0.5, -1, 2, 0.25, 3, -0.75];
  const additive = (present: number) => 1 + w.reduce((s, wk, k) => s + wk * has(present, k), 0);
  const { scores } = await shapleySampling.run(
    toyContext(shapleySampling, 6, additive, { samples: 1 }),
  );
  scores.forEach((v, i) => assert.ok(Math.abs(v - [0, ...w, 0][i]) < 1e-12, `token ${i}: ${v}`));
});

Deno.test("shapley-sampling: scores sum to f(input) - f(none) for any number of samples (1e-9)", async () => {
  for (const samples of [1, 3, 17]) {
    const ctx = toyContext(shapleySampling, 6, interacting, { samples, seed: 5 });
    const { scores, diagnostics } = await shapleySampling.run(ctx);
    const sum = scores.reduce((a, b) => a + b, 0);
    assert.ok(
      Math.abs(sum - (interacting(63) - interacting(0))) < 1e-9,
      `samples ${samples}: ${sum}`,
    );
    assert.ok(Math.abs(diagnostics!.convergenceDelta!) < 1e-9);
    assert.equal(scores[0], 0);
    assert.equal(scores[7], 0);
  }
});

Deno.test("shapley-sampling: the estimate converges to the exact Shapley values as samples grow", async () => {
  const exact = exactShapley(6, interacting);
  // Mean over five seeds of the largest error, so one lucky or unlucky seed cannot decide.
  const errors: number[] = [];
  for (const samples of [4, 40, 400, 2000]) {
    let sum = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const ctx = toyContext(shapleySampling, 6, interacting, { samples, seed });
      sum += maxError((await shapleySampling.run(ctx)).scores, exact);
    }
    errors.push(sum / 5);
  }
  // Monte Carlo error shrinks like 1/sqrt(samples): each step helps, 2000 permutations land within
  // 0.1 of the exact values and at least 10x closer than 4 do.
  assert.ok(errors[1] < errors[0] && errors[2] < errors[1] && errors[3] < errors[2], `${errors}`);
  assert.ok(errors[3] < 0.1 && errors[3] * 10 < errors[0], `errors ${errors}`);
});

Deno.test("shapley-sampling: the same seed gives the same scores, another seed others", async () => {
  const run = (seed: number) =>
    shapleySampling.run(toyContext(shapleySampling, 6, interacting, { samples: 5, seed }));
  assert.deepEqual((await run(1)).scores, (await run(1)).scores);
  assert.notDeepEqual((await run(1)).scores, (await run(2)).scores);
});

Deno.test("shapley-sampling: on a real model it approaches the enumerated Shapley values", async () => {
  const model = await testModel("distilbert-tiny-opset14");
  const text = "The movie was surprisingly good fun";
  const exact = exactShapley(
    6,
    await coalitionValues(await modelContext(model, shapleySampling, text)),
  );
  const scale = Math.max(...exact.map(Math.abs));
  const errors: number[] = [];
  for (const samples of [3, 300]) {
    const ctx = await modelContext(model, shapleySampling, text, { samples, seed: 1 });
    errors.push(maxError((await shapleySampling.run(ctx)).scores, exact) / scale);
    // Repeated coalitions are scored once: never more than the 64 there are.
    assert.ok(ctx.counters.forward <= 64, `${ctx.counters.forward} forward passes`);
  }
  assert.ok(errors[1] < 0.1 && errors[1] < errors[0], `relative errors ${errors}`);
});

Deno.test({
  name: "shapley-sampling: release models",
  fn: releaseTestModels,
  sanitizeResources: false,
});
