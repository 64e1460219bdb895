import assert from "node:assert/strict";
import { entropy, objectiveOf, softmax, topK } from "./scoring.ts";

Deno.test("softmax and entropy match hand-computed values", () => {
  const p = softmax([0, Math.log(3)]);
  assert.ok(Math.abs(p[0] - 0.25) < 1e-15 && Math.abs(p[1] - 0.75) < 1e-15);
  assert.ok(Math.abs(entropy(p) - -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75))) < 1e-15);
  const big = softmax([1000, 1000]);
  assert.deepEqual(Array.from(big), [0.5, 0.5]);
});

Deno.test("topK is descending and breaks ties by index", () => {
  assert.deepEqual(topK([1, 5, 3, 5, 2], 3), [1, 3, 2]);
  assert.deepEqual(topK([1, 2], 5), [1, 0]);
  assert.deepEqual(topK([3, 1, 2], 1), [0]);
});

Deno.test("objective: logit, probability and log-probability, with a contrast", () => {
  const logits = new Float32Array([0, Math.log(3), 1, 2]); // two rows of vocab 2
  const [a, b] = objectiveOf(logits, 2, "logit", 1, 0);
  assert.ok(Math.abs(a - Math.log(3)) < 1e-6 && Math.abs(b - 1) < 1e-6);
  const [p] = objectiveOf(logits, 2, "probability", 1);
  assert.ok(Math.abs(p - 0.75) < 1e-6);
  const [lp] = objectiveOf(logits, 2, "log-probability", 1, 0);
  assert.ok(Math.abs(lp - Math.log(3)) < 1e-6);
});
