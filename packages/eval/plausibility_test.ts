import assert from "node:assert/strict";
import { explain } from "@glassbox/core";
import { averagePrecision, negationWeight, plausibility, toLexicon } from "./plausibility.ts";
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

Deno.test("negationWeight: rank and share of the negators, hand-computed", () => {
  const explanation = (scores: number[], texts = ["The", "film", "was", "not", "bad", "!"]) =>
    ({
      words: texts.map((text, i) => ({ text, start: 0, end: 0, tokens: [i, i], score: scores[i] })),
      tokens: [],
      scores: [],
    }) as unknown as Parameters<typeof negationWeight>[0];
  const not = toLexicon(["not"]);
  // |scores| 0.1 0.2 0.3 2 -1 0.4: "not" ranks first with 2 / 4 of the weight.
  assert.deepEqual(negationWeight(explanation([0.1, 0.2, 0.3, 2, -1, 0.4]), not), {
    rank: 1,
    share: 0.5,
  });
  // "bad" (-3) outweighs "not" (1); a tie with "!" (1) ranks "not" after it: rank 3, share 1/5.
  assert.deepEqual(negationWeight(explanation([0, 0, 0, 1, -3, 1]), not), { rank: 3, share: 0.2 });
  const none = negationWeight(explanation([1, 1, 1, 1, 1, 1], ["a", "b", "c", "d", "e", "f"]), not);
  assert.ok(Number.isNaN(none.rank) && Number.isNaN(none.share));
  // Punctuation and case do not hide a negator: "Never," is "never".
  const never = negationWeight(
    explanation([0, 0, 0, 3, 1, 0], ["A", "b", "c", "Never,", "d", "e"]),
    toLexicon(["never"]),
  );
  assert.deepEqual(never, { rank: 1, share: 0.75 });
});
