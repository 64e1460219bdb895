import assert from "node:assert/strict";
import { mergeWords } from "./words.ts";
import type { Token } from "./explanation.ts";

function tokens(text: string, spans: [number, number, boolean?][]): Token[] {
  return spans.map(([start, end, special], i) => ({
    id: i,
    text: text.slice(start, end),
    start,
    end,
    special: !!special,
  }));
}

Deno.test("byte-level pieces with leading spaces merge into words", () => {
  const text = "I love unhappiness.";
  // "I", " love", " un", "happiness", "."
  const t = tokens(text, [[0, 1], [1, 6], [6, 9], [9, 18], [18, 19]]);
  const words = mergeWords(text, t, [1, 2, 3, 4, 5]);
  assert.deepEqual(words.map((w) => [w.text, w.start, w.end, w.tokens, w.score]), [
    ["I", 0, 1, [0, 0], 1],
    ["love", 2, 6, [1, 1], 2],
    ["unhappiness", 7, 18, [2, 3], 7],
    [".", 18, 19, [4, 4], 5],
  ]);
  assert.deepEqual(mergeWords(text, t, [1, 2, 3, -4, 5], "mean").map((w) => w.score), [
    1,
    2,
    -0.5,
    5,
  ]);
  assert.deepEqual(mergeWords(text, t, [1, 2, 3, -4, 5], "max").map((w) => w.score), [1, 2, -4, 5]);
});

Deno.test("WordPiece pieces merge, specials are skipped, split characters stay with their word", () => {
  const text = "unbelievable 🙂";
  const t = tokens(text, [[0, 0, true], [0, 2], [2, 12], [13, 15], [15, 15], [15, 15, true]]);
  const words = mergeWords(text, t, [9, 1, 2, 3, 4, 9]);
  assert.deepEqual(words.map((w) => [w.text, w.tokens, w.score]), [["unbelievable", [1, 2], 3], [
    "🙂",
    [3, 4],
    7,
  ]]);
});
