/** SmoothGrad: no noise gives saliency; a seed reproduces; noise changes the scores. */
import assert from "node:assert/strict";
import { smoothgrad } from "./smoothgrad.ts";
import {
  methodContext,
  referenceTexts,
  relativeL2,
  releaseTestModels,
  testModel,
} from "./_gradient_testing.ts";

Deno.test("smoothgrad: noise 0 is saliency; the same seed gives the same scores, another seed others", async () => {
  const model = await testModel("gpt2-tiny-opset14");
  const text = (await referenceTexts("gpt2-tiny-opset14"))[0];
  const run = (params: Record<string, unknown>) =>
    smoothgrad.run(methodContext(model, smoothgrad, text, { params }));
  const plain = await run({ noise: 0, samples: 3 });
  assert.ok(relativeL2(plain.scores, text.saliency as number[]) < 1e-4);
  const a = await run({ seed: 1 }), b = await run({ seed: 1 }), c = await run({ seed: 2 });
  assert.deepEqual(a.scores, b.scores);
  assert.notDeepEqual(a.scores, c.scores);
  assert.ok(relativeL2(a.scores, text.saliency as number[]) > 1e-3, "noise changed the map");
  const ctx = methodContext(model, smoothgrad, text);
  await smoothgrad.run(ctx);
  assert.deepEqual(ctx.params, { samples: 20, noise: 0.1, seed: 0, batchSize: "auto" });
  assert.equal(ctx.counters.backward, 20);
});

Deno.test({ name: "smoothgrad: release models", fn: releaseTestModels, sanitizeResources: false });
