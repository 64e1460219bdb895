/** Saliency against the PyTorch references of every tiny test export. */
import assert from "node:assert/strict";
import { saliency } from "./saliency.ts";
import {
  methodContext,
  referenceTexts,
  relativeL2,
  releaseTestModels,
  TEST_MODELS,
  testModel,
} from "./_gradient_testing.ts";

for (const name of TEST_MODELS) {
  Deno.test(`saliency on ${name} matches PyTorch (relative L2 < 1e-4)`, async () => {
    const model = await testModel(name);
    for (const text of await referenceTexts(name)) {
      const ctx = methodContext(model, saliency, text);
      const { scores } = await saliency.run(ctx);
      const error = relativeL2(scores, text.saliency as number[]);
      assert.ok(error < 1e-4, `"${text.text}": ${error}`);
      assert.equal(ctx.counters.backward, 1);
      assert.deepEqual(ctx.params, {});
    }
  });
}

Deno.test({ name: "saliency: release models", fn: releaseTestModels, sanitizeResources: false });
