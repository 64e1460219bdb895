import assert from "node:assert/strict";
import { displayUnits, mergeWords } from "./units.ts";
import { english, mixedEmoji, oneToken } from "./testdata/fixtures.ts";

Deno.test("byte-level tokens show their surface text, a leading space becomes a gap", () => {
  const units = displayUnits(mixedEmoji());
  assert.deepEqual(units.map((u) => u.label), ["我们", "love", "可", "解释", "性", "🙂", "models"]);
  assert.deepEqual(units.map((u) => u.spaceBefore), [false, true, true, false, false, true, true]);
  assert.ok(units.every((u) => !u.label.includes("Ġ")));
});

Deno.test("special tokens keep their token text; WordPiece ## never shows", () => {
  const units = displayUnits(english());
  assert.deepEqual(units[0], {
    label: "[CLS]",
    score: 0.02,
    tokens: [0, 0],
    special: true,
    spaceBefore: false,
    breakAfter: false,
  });
  assert.equal(units[12].label, "ly");
  assert.equal(units[12].spaceBefore, false);
  assert.equal(units[16].label, "[SEP]");
});

Deno.test("mergeWords (core's rule) joins touching pieces and sums their scores", () => {
  const words = mergeWords(english());
  const byText = new Map(words.map((w) => [w.text, w]));
  assert.deepEqual(byText.get("genuinely")?.tokens, [11, 12]);
  assert.ok(Math.abs(byText.get("genuinely")!.score - (0.22 + 0.07)) < 1e-12);
  assert.deepEqual(byText.get("wasn")?.tokens, [3, 3], "the apostrophe splits, as BERT does");
  assert.deepEqual(byText.get("all")?.tokens, [8, 8], "punctuation is a word of its own");
  const units = displayUnits(english(), "word");
  assert.deepEqual(units.map((u) => u.label), [
    "[CLS]",
    "The",
    "movie",
    "wasn",
    "'",
    "t",
    "bad",
    "at",
    "all",
    ",",
    "a",
    "genuinely",
    "fun",
    "ride",
    "!",
    "[SEP]",
  ]);
});

Deno.test("word mode uses explanation.words when present", () => {
  const e = oneToken();
  e.words = [{ text: "Hi", start: 0, end: 2, tokens: [0, 0], score: 0.25 }];
  assert.deepEqual(displayUnits(e, "word").map((u) => [u.label, u.score]), [["Hi", 0.25]]);
});

Deno.test("whitespace-only tokens are visible marks and break the line", () => {
  const e = oneToken();
  e.text = "a\n\nb  c";
  e.tokens = [
    { id: 1, text: "a", start: 0, end: 1, special: false },
    { id: 2, text: "ĊĊ", start: 1, end: 3, special: false },
    { id: 3, text: "b", start: 3, end: 4, special: false },
    { id: 4, text: "Ġ", start: 4, end: 5, special: false },
    { id: 5, text: "Ġc", start: 5, end: 7, special: false },
  ];
  e.scores = [1, 2, 3, 4, 5];
  const units = displayUnits(e);
  assert.deepEqual(units.map((u) => u.label), ["a", "↵↵", "b", "␣", "c"]);
  assert.deepEqual(units.map((u) => u.breakAfter), [false, true, false, false, false]);
});

Deno.test("a scores/tokens mismatch and an unknown level are clear errors", () => {
  const e = oneToken();
  e.scores = [];
  assert.throws(() => displayUnits(e), {
    name: "RangeError",
    message: "Cannot render explanation: it has 1 tokens but 0 scores; every token needs one score",
  });
  assert.throws(() => displayUnits(oneToken(), "char" as "word"), {
    message: 'Cannot render explanation: unknown level "char", use "token" or "word"',
  });
});

Deno.test("a byte-level piece with an empty span joins the character before it", () => {
  // GPT-2 splits 🙂 (4 UTF-8 bytes) into pieces; core gives the first the character and the
  // others an empty span at its end.
  const e = oneToken();
  e.text = "hi 🙂";
  e.tokens = [
    { id: 1, text: "hi", start: 0, end: 2, special: false },
    { id: 2, text: "ĠðŁ", start: 2, end: 5, special: false },
    { id: 3, text: "Ļ", start: 5, end: 5, special: false },
    { id: 4, text: "Ĥ", start: 5, end: 5, special: false },
  ];
  e.scores = [0.1, 0.2, 0.3, -0.4];
  const units = displayUnits(e);
  assert.deepEqual(units.map((u) => [u.label, u.special, u.spaceBefore]), [
    ["hi", false, false],
    ["🙂", false, true],
    ["·", false, false],
    ["·", false, false],
  ]);
  const words = displayUnits(e, "word");
  assert.deepEqual(words.map((u) => [u.label, u.tokens]), [["hi", [0, 0]], ["🙂", [1, 3]]]);
  assert.ok(Math.abs(words[1].score - 0.1) < 1e-12);
});
