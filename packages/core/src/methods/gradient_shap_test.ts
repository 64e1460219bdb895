/**
 * GradientSHAP: without noise its expectation is integrated gradients (a uniform random point on the
 * path), so many samples must approach the IG reference; a seed reproduces.
 */
import assert from "node:assert/strict";
import { gradientShap } from "./gradient_shap.ts";
import {
  methodContext,
  referenceTexts,
  relativeL2,
  releaseTestModels,
  testModel,
} from "./_gradient_testing.ts";

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
  assert.deepEqual((await run({ seed: 3 })).scores, (await run({ seed: 3 })).scores);
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
