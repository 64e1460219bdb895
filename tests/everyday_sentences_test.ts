/**
 * The bundled sentiment model on everyday text, the first thing a user types: review-style sentences
 * labelled by hand (negation, "but", intensifiers, emoji, questions) in
 * models/distilbert-sentiment/everyday.jsonl, written before any retraining and never trained on.
 * everyday_unseen.jsonl is a second hand-written set kept out of every tuning loop: it is judged
 * once, on a retrained model (issue 21), and is deliberately not read here yet.
 */
import assert from "node:assert/strict";
import { loadModel, predict } from "@glassbox/core";

/**
 * Measured on the shipped model (trained on AFINN sums over WordNet glosses): 31 of 48. Issue 21's
 * target for a retrained model is at least 90%; raise the floor when one lands.
 */
const MIN_RIGHT = 31;

Deno.test("distilbert-sentiment on the hand-written everyday sentences", async () => {
  const rows = (await Deno.readTextFile(
    new URL("../models/distilbert-sentiment/everyday.jsonl", import.meta.url),
  )).trim().split("\n").map((l) => JSON.parse(l) as { text: string; label: string });
  assert.equal(rows.length, 48);
  const model = await loadModel("distilbert-sentiment");
  const wrong: string[] = [];
  try {
    for (const row of rows) {
      const { predictions } = await predict(model, row.text, { topK: 1 });
      if (predictions[0].label !== row.label) {
        wrong.push(
          `${row.text} -> ${predictions[0].label} (p=${predictions[0].probability.toFixed(3)})`,
        );
      }
    }
  } finally {
    await model.release();
  }
  const right = rows.length - wrong.length;
  console.log(`everyday.jsonl: ${right}/${rows.length} right; wrong:\n  ${wrong.join("\n  ")}`);
  assert.ok(right >= MIN_RIGHT, `${right}/${rows.length} right, fewer than ${MIN_RIGHT}`);
});
