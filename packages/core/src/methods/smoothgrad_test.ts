/**
 * SmoothGrad: its noisy inputs rebuilt from the seeded generator (noise x the embeddings' standard
 * deviation), saliency at each, averaged, equals the method's scores; no noise gives saliency
 * (PyTorch); the seed matters.
 */
import assert from "node:assert/strict";
import { Random } from "../numerics/random.ts";
import { smoothgrad } from "./smoothgrad.ts";
import {
  logitGradient,
  methodContext,
  populationStd,
  referenceTexts,
  relativeL2,
  releaseTestModels,
  testModel,
} from "./_gradient_testing.ts";

Deno.test("smoothgrad: the mean saliency over noisy copies rebuilt from the seed, noise x std(embeddings)", async () => {
  const model = await testModel("gpt2-tiny-opset14");
  const text = (await referenceTexts("gpt2-tiny-opset14"))[0];
  const { scores, diagnostics } = await smoothgrad.run(
    methodContext(model, smoothgrad, text, { params: { samples: 3, noise: 0.5, seed: 7 } }),
  );
  const { x, hidden, at } = await logitGradient(model, text);
  const sigma = 0.5 * populationStd(x);
  assert.ok(Math.abs(diagnostics!.noiseStddev as number - sigma) < 1e-6 * sigma);
  const random = new Random(7);
  const expected = new Array<number>(text.input_ids.length).fill(0);
  for (let s = 0; s < 3; s++) {
    const g = await at(x.map((v) => v + sigma * random.normal()));
    expected.forEach((_, i) => {
      let sq = 0;
      for (let k = i * hidden; k < (i + 1) * hidden; k++) sq += g[k] * g[k];
      expected[i] += Math.sqrt(sq) / 3;
    });
  }
  assert.ok(
    relativeL2(scores, expected) < 1e-5,
    `relative L2 error ${relativeL2(scores, expected)}`,
  );
});

Deno.test("smoothgrad: noise 0 is saliency; the same seed gives the same scores, another seed others", async () => {
  const model = await testModel("gpt2-tiny-opset14");
  const text = (await referenceTexts("gpt2-tiny-opset14"))[0];
  const run = (params: Record<string, unknown>) =>
    smoothgrad.run(methodContext(model, smoothgrad, text, { params }));
  const plain = await run({ noise: 0, samples: 3 });
  assert.ok(relativeL2(plain.scores, text.saliency as number[]) < 1e-4);
  const a = await run({ seed: 1 }), b = await run({ seed: 1 }), c = await run({ seed: 2 });
  assert.deepEqual(a.scores, b.scores);
  assert.ok(relativeL2(a.scores, c.scores) > 1e-3, "the seed changes the noise");
  assert.ok(relativeL2(a.scores, text.saliency as number[]) > 1e-3, "noise changed the map");
  const ctx = methodContext(model, smoothgrad, text);
  await smoothgrad.run(ctx);
  assert.deepEqual(ctx.params, { samples: 20, noise: 0.1, seed: 0, batchSize: "auto" });
  assert.equal(ctx.counters.backward, 20);
});

Deno.test({ name: "smoothgrad: release models", fn: releaseTestModels, sanitizeResources: false });
