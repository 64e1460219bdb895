import assert from "node:assert/strict";
import type { Explanation } from "@glassbox/core";
import {
  compareScores,
  kendallTau,
  methodAgreement,
  ranks,
  spearman,
  topKOverlap,
} from "./agreement.ts";

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} vs ${expected}`);

Deno.test("ranks: ties share the mean rank", () => {
  assert.deepEqual(ranks([10, 30, 20, 30]), [1, 3.5, 2, 3.5]);
});

Deno.test("spearman: hand-computed values, with and without ties", () => {
  close(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 0.8207826816681233);
  // No ties: 1 - 6 sum(d^2) / (n (n^2 - 1)); d = (0, 0, 1, -1) -> 1 - 12/60.
  close(spearman([1, 2, 3, 4], [1, 2, 4, 3]), 0.8);
  close(spearman([1, 2, 3], [3, 2, 1]), -1);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  assert.throws(() => spearman([1], [1, 2]), {
    name: "RangeError",
    message: "Cannot compute Spearman's rho: the score lists differ in length (1 and 2)",
  });
});

Deno.test("kendallTau: tau-b against scipy.stats.kendalltau", () => {
  // scipy.stats.kendalltau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]) -> -0.47140452079103173
  close(kendallTau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]), -0.47140452079103173, 1e-12);
  close(kendallTau([1, 2, 3, 4], [1, 2, 4, 3]), 4 / 6);
});

Deno.test("topKOverlap: shared members of the top k", () => {
  assert.equal(topKOverlap([5, 4, 3, 2, 1], [5, 1, 4, 2, 3], 2), 0.5);
  assert.equal(topKOverlap([5, 4, 3], [1, 2, 3], 3), 1);
  assert.throws(() => topKOverlap([1], [1], 0), {
    message: "Cannot compute top-k overlap: k must be an integer >= 1, current value is 0",
  });
});

Deno.test("compareScores: absolute ranks importance, signed ranks direction", () => {
  const a = [3, -2, 1, 0.5], b = [3, 2, 1, 0.5];
  close(compareScores(a, b).spearman, 1);
  close(compareScores(a, b, { by: "signed" }).spearman, 0.4);
});

function fake(method: string, scores: number[]): Explanation {
  return {
    schemaVersion: 1,
    model: { id: "m", task: "text-classification", architecture: "X" },
    text: "a b c",
    tokens: [
      { id: 2, text: "[CLS]", start: 0, end: 0, special: true },
      { id: 5, text: "a", start: 0, end: 1, special: false },
      { id: 6, text: "b", start: 2, end: 3, special: false },
      { id: 7, text: "c", start: 4, end: 5, special: false },
      { id: 3, text: "[SEP]", start: 5, end: 5, special: true },
    ],
    predictions: [],
    target: { id: 1, label: "POSITIVE", probability: 0.9, position: 0 },
    method: { id: method, output: "logit", params: {} },
    scores,
    diagnostics: { elapsedMs: 0, forwardPasses: 0, backwardPasses: 0, backend: "x" },
  };
}

Deno.test("methodAgreement: every pair, special tokens left out", () => {
  const result = methodAgreement([
    fake("occlusion", [9, 3, 2, 1, -9]),
    fake("saliency", [0, 1, 2, 3, 0]),
    fake("lime", [0, 3, 2, 1, 0]),
  ], { k: 1 });
  assert.deepEqual(result.methods, ["occlusion", "saliency", "lime"]);
  assert.deepEqual(result.pairs.map((p) => `${p.a}-${p.b}`), [
    "occlusion-saliency",
    "occlusion-lime",
    "saliency-lime",
  ]);
  close(result.pairs[0].spearman, -1);
  close(result.pairs[1].spearman, 1);
  assert.equal(result.pairs[1].topKOverlap, 1);
  assert.equal(result.pairs[0].topKOverlap, 0);
  assert.throws(() => methodAgreement([fake("a", [0, 0, 0, 0, 0])]), {
    message: "Cannot compare methods: give at least 2 explanations, got 1",
  });
});
