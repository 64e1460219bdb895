/**
 * Forward passes against PyTorch: every test export's logits from `forwardLogits`, in one right-padded
 * batch and in the reverse order, equal the float64 logits scripts/make_fixtures.py stored in its
 * reference.json. A wrong position id, token type, attention mask or padding that hits every row alike
 * would leave batched-versus-single comparisons equal, but not these.
 */
import assert from "node:assert/strict";
import { loadModel } from "./model.ts";
import { forwardLogits } from "./forward.ts";
import { predict } from "./predict.ts";
import { referenceTexts } from "./methods/_gradient_testing.ts";

/** Every export of scripts/make_fixtures.py (distilbert-tiny-opset11 is the Optimum-style one). */
const FIXTURES = [
  "distilbert-tiny-opset11",
  "distilbert-tiny-opset14",
  "distilbert-tiny-opset17",
  "gpt2-tiny-opset14",
  "gpt2-tiny-opset17",
  "gpt2-tiny-attentions",
] as const;
/** float32 against float64 on logits of size about 5: observed errors are below 4e-6. */
const TOLERANCE = 1e-5;
const dir = (name: string) => new URL(`../../../testdata/models/${name}/`, import.meta.url);

for (const name of FIXTURES) {
  Deno.test(`forwardLogits on ${name} equals the PyTorch logits, batched and right-padded`, async () => {
    const texts = await referenceTexts(name);
    const model = await loadModel(dir(name));
    try {
      const rows = texts.map((t) => t.input_ids);
      assert.ok(
        new Set(rows.map((r) => r.length)).size > 1,
        "rows of different lengths get padded",
      );
      for (const order of [[0, 1, 2], [2, 1, 0]]) {
        const { logits, vocab } = await forwardLogits(model, order.map((i) => rows[i]));
        order.forEach((t, row) => {
          const { ids, values } = texts[t].logits as { ids: number[]; values: number[] };
          ids.forEach((id, j) => {
            const actual = logits[row * vocab + id];
            assert.ok(
              Math.abs(actual - values[j]) <= TOLERANCE,
              `${name} "${texts[t].text}" logit ${id}: ${actual} vs PyTorch ${values[j]}`,
            );
          });
        });
      }
    } finally {
      await model.release();
    }
  });
}

Deno.test("predict: probabilities are the softmax of the PyTorch logits", async () => {
  const [text] = await referenceTexts("distilbert-tiny-opset14");
  const model = await loadModel(dir("distilbert-tiny-opset14"));
  try {
    const { values } = text.logits as { values: number[] };
    const z = values.reduce((s, v) => s + Math.exp(v), 0);
    const result = await predict(model, text.text);
    assert.deepEqual(result.predictions.map((p) => p.id), [text.target_id, text.contrast_id]);
    for (const p of result.predictions) {
      assert.ok(Math.abs(p.probability - Math.exp(values[p.id]) / z) < 1e-6, `${p.label}`);
    }
    const entropy = -values.reduce((s, v) => s + (Math.exp(v) / z) * (v - Math.log(z)), 0);
    assert.ok(Math.abs(result.entropy - entropy) < 1e-6, `entropy ${result.entropy} vs ${entropy}`);
  } finally {
    await model.release();
  }
});
