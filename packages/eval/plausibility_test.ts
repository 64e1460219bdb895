import assert from "node:assert/strict";
import { explain } from "@glassbox/core";
import { averagePrecision, plausibility, toLexicon } from "./plausibility.ts";
import { loadToy, TOYS } from "./_toys.ts";

Deno.test("averagePrecision: against scikit-learn's average_precision_score", () => {
  // average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) -> 0.8333333333333333
  assert.ok(
    Math.abs(averagePrecision([0.1, 0.4, 0.35, 0.8], [false, false, true, true]) - 5 / 6) < 1e-12,
  );
  assert.equal(averagePrecision([1, 2, 3], [true, true, true]), 1);
  assert.ok(Number.isNaN(averagePrecision([1, 2], [false, false])));
});

Deno.test("toLexicon: word lists, word -> score objects, and objects of lists", () => {
  assert.deepEqual([...toLexicon(["Good", "bad"])], ["good", "bad"]);
  assert.deepEqual([...toLexicon({ good: 2, bad: -3 })], ["good", "bad"]);
  assert.deepEqual([...toLexicon({ positive: ["good"], negative: ["bad"] })], ["good", "bad"]);
  assert.throws(() => toLexicon({ good: "yes" }), {
    name: "TypeError",
    message:
      'Cannot read lexicon: "good" is a string; expected a word list, an object of word -> score, or an object of word lists',
  });
});

Deno.test("plausibility: occlusion on the linear model finds exactly the lexicon words", async () => {
  const lexicon = toLexicon(JSON.parse(await Deno.readTextFile(new URL("lexicon.json", TOYS))));
  const model = await loadToy("bow-linear");
  try {
    // Lexicon words weigh 0.5..2.5, neutral words under 0.1: a perfect ranking.
    const e = await explain(model, "The movie was wonderful, but boring!", { method: "occlusion" });
    const p = plausibility(e, lexicon);
    assert.deepEqual(p, { units: 8, groundTruth: 2, tokenF1: 1, auprc: 1 });
    // Reversing importance puts the two lexicon words last of 8: AP = (1/7 + 2/8) / 2.
    const flipped = plausibility({
      ...e,
      words: e.words!.map((w) => ({ ...w, score: 1 / (Math.abs(w.score) + 1e-3) })),
    }, lexicon);
    assert.equal(flipped.tokenF1, 0);
    assert.ok(Math.abs(flipped.auprc - (1 / 7 + 2 / 8) / 2) < 1e-12, String(flipped.auprc));
  } finally {
    await model.release();
  }
});
