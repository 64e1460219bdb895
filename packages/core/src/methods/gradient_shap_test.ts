/**
 * GradientSHAP: its random points rebuilt from the seeded generator (alpha uniform, noise x the
 * embeddings' standard deviation) give the method's scores; without noise its expectation is
 * integrated gradients (PyTorch), so many samples approach that reference; the seed matters.
 */
import assert from "node:assert/strict";
import { Random } from "../numerics/random.ts";
import { gradientShap } from "./gradient_shap.ts";
import {
  logitGradient,
  methodContext,
  populationStd,
  referenceTexts,
  relativeL2,
  releaseTestModels,
  testModel,
} from "./_gradient_testing.ts";

Deno.test("gradient-shap: mean gradient x (noisy input - baseline) at points rebuilt from the seed", async () => {
  const model = await testModel("distilbert-tiny-opset17");
  const text = (await referenceTexts("distilbert-tiny-opset17"))[0];
  const { scores, diagnostics } = await gradientShap.run(
    methodContext(model, gradientShap, text, { params: { samples: 3, noise: 0.5, seed: 11 } }),
  );
  const { x, hidden, at } = await logitGradient(model, text);
  const sigma = 0.5 * populationStd(x);
  assert.ok(Math.abs(diagnostics!.noiseStddev as number - sigma) < 1e-6 * sigma);
  // Per draw: alpha first, then the noise of every value; the baseline is zero.
  const random = new Random(11);
  const expected = new Array<number>(text.input_ids.length).fill(0);
  for (let s = 0; s < 3; s++) {
    const alpha = random.uniform();
    const noisy = x.map((v) => v + sigma * random.normal());
    const g = await at(noisy.map((v) => alpha * v));
    expected.forEach((_, i) => {
      for (let k = i * hidden; k < (i + 1) * hidden; k++) expected[i] += g[k] * noisy[k] / 3;
    });
  }
  assert.ok(
    relativeL2(scores, expected) < 1e-5,
    `relative L2 error ${relativeL2(scores, expected)}`,
  );
});

Deno.test("gradient-shap: noise 0 and 400 samples approach integrated gradients; seeded", async () => {
  const model = await testModel("distilbert-tiny-opset17");
  const text = (await referenceTexts("distilbert-tiny-opset17"))[0];
  const run = (params: Record<string, unknown>) =>
    gradientShap.run(methodContext(model, gradientShap, text, { params }));
  const { scores } = await run({ noise: 0, samples: 400 });
  const error = relativeL2(scores, text.integrated_gradients_gl50 as number[]);
  // Monte Carlo over alpha: the error shrinks like 1/sqrt(samples); a wrong (input - baseline)
  // factor or path would be off by order one.
  assert.ok(error < 0.1, `relative L2 error to IG ${error}`);
  const [a, b, c] = [await run({ seed: 3 }), await run({ seed: 3 }), await run({ seed: 4 })];
  assert.deepEqual(a.scores, b.scores);
  assert.ok(relativeL2(a.scores, c.scores) > 1e-3, "the seed changes the draws");
  const ctx = methodContext(model, gradientShap, text);
  await gradientShap.run(ctx);
  assert.deepEqual(ctx.params, {
    samples: 20,
    noise: 0.1,
    seed: 0,
    baseline: "zero",
    batchSize: "auto",
  });
});

Deno.test({
  name: "gradient-shap: release models",
  fn: releaseTestModels,
  sanitizeResources: false,
});
