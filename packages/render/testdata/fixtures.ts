/**
 * Hand-made explanations for the renderer tests and the example images: English (WordPiece with
 * special tokens and a subword), Chinese (one token per character), a mix of Chinese, English and
 * emoji in GPT-2 style (leading spaces inside tokens), a very long text, and a one-token text.
 * Token offsets are computed by locating each piece in the text, so they are valid UTF-16 offsets
 * (an emoji spans its two surrogates).
 *
 * @module
 */

import type { Explanation, Prediction, Token } from "@glassbox/core/explanation";

/** Tokens for pieces in text order; `{ special }` is a special token (start = end). */
function tokenize(text: string, pieces: (string | { special: string })[]): Token[] {
  let at = 0;
  return pieces.map((piece, id) => {
    if (typeof piece !== "string") {
      return { id: 100 + id, text: piece.special, start: at, end: at, special: true };
    }
    const start = text.indexOf(piece, at);
    if (start < 0) throw new Error(`fixture: "${piece}" not found in the text after ${at}`);
    at = start + piece.length;
    // WordPiece-style token text for continuation pieces (the renderer must not show it).
    return { id: 1000 + id, text: piece, start, end: at, special: false };
  });
}

function base(
  text: string,
  tokens: Token[],
  scores: number[],
  predictions: Prediction[],
  model: Explanation["model"],
): Explanation {
  if (scores.length !== tokens.length) {
    throw new Error(`fixture: ${tokens.length} tokens but ${scores.length} scores`);
  }
  const top = predictions[0];
  return {
    schemaVersion: 1,
    model,
    text,
    tokens,
    predictions,
    target: {
      id: top.id,
      label: top.label,
      probability: top.probability,
      position: model.task === "text-generation" ? tokens.length - 1 : 0,
    },
    method: {
      id: "integrated-gradients",
      output: "logit",
      params: { steps: 50, integration: "gauss-legendre", baseline: "zero" },
    },
    scores,
    diagnostics: {
      elapsedMs: 123.4,
      forwardPasses: 1,
      backwardPasses: 50,
      backend: "onnxruntime-node",
      convergenceDelta: 0.0031,
    },
  };
}

const CLASSIFIER = {
  id: "models/distilbert-sentiment",
  task: "text-classification" as const,
  architecture: "DistilBertForSequenceClassification",
};
const LM = {
  id: "models/gpt2-tiny",
  task: "text-generation" as const,
  architecture: "GPT2LMHeadModel",
};

const SENTIMENT: Prediction[] = [
  { id: 1, label: "POSITIVE", probability: 0.934, logit: 1.52 },
  { id: 0, label: "NEGATIVE", probability: 0.066, logit: -1.13 },
];

/** English sentiment with [CLS]/[SEP], a WordPiece split ("genuine" + "ly") and a contrast. */
export function english(): Explanation {
  const text = "The movie wasn't bad at all, a genuinely fun ride!";
  const tokens = tokenize(text, [
    { special: "[CLS]" },
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
    "genuine",
    "ly",
    "fun",
    "ride",
    "!",
    { special: "[SEP]" },
  ]);
  tokens[12].text = "##ly";
  const scores = [
    0.02,
    0.01,
    0.05,
    -0.31,
    -0.04,
    -0.12,
    0.48,
    0.03,
    0.06,
    0.0,
    0.01,
    0.22,
    0.07,
    0.61,
    0.09,
    0.04,
    -0.03,
  ];
  const e = base(text, tokens, scores, SENTIMENT, CLASSIFIER);
  e.contrast = { id: 0, label: "NEGATIVE", probability: 0.066 };
  return e;
}

/** Chinese sentiment, one token per character, with [CLS]/[SEP]. */
export function chinese(): Explanation {
  const text = "这部电影真的很好看，我非常喜欢！";
  const tokens = tokenize(text, [{ special: "[CLS]" }, ...[...text], { special: "[SEP]" }]);
  const scores = [
    0.01,
    0.02,
    0.0,
    0.05,
    0.04,
    0.1,
    0.02,
    0.08,
    0.45,
    0.3,
    -0.02,
    0.01,
    0.12,
    0.15,
    0.38,
    0.33,
    -0.05,
    -0.01,
  ];
  return base(text, tokens, scores, SENTIMENT, {
    ...CLASSIFIER,
    id: "models/bert-chinese-sentiment",
  });
}

/** Chinese, English and an emoji in GPT-2 style: spaces belong to the token after them. */
export function mixedEmoji(): Explanation {
  const text = "我们 love 可解释性 🙂 models";
  const tokens = tokenize(text, ["我们", " love", " 可", "解释", "性", " 🙂", " models"]);
  // GPT-2's token strings are byte-level ("Ġlove"): the renderer must show the text instead.
  tokens[1].text = "Ġlove";
  tokens[6].text = "Ġmodels";
  const scores = [0.12, 0.85, -0.2, 0.4, 0.05, -0.6, 0.3];
  return base(text, tokens, scores, [
    { id: 13, label: ".", probability: 0.31, logit: 4.1 },
    { id: 290, label: " and", probability: 0.12, logit: 3.2 },
    { id: 11, label: ",", probability: 0.09, logit: 2.9 },
    { id: 198, label: "\n", probability: 0.05, logit: 2.3 },
  ], LM);
}

const WORDS = (
  "interpretability methods attribute a model's prediction to its input tokens so that people " +
  "can see which words pushed the output up and which pushed it down"
).split(" ");

/** A long text of `n` word tokens (default 400) with oscillating scores. */
export function longText(n = 400): Explanation {
  const words = Array.from({ length: n }, (_, i) => WORDS[i % WORDS.length]);
  const text = words.join(" ");
  const tokens = tokenize(text, words.map((w, i) => (i === 0 ? w : " " + w)));
  const scores = tokens.map((_, i) => Math.sin(i * 0.7) * (1 + (i % 5) / 4));
  return base(text, tokens, scores, [
    { id: 262, label: " the", probability: 0.2, logit: 5 },
    { id: 257, label: " a", probability: 0.1, logit: 4.3 },
  ], LM);
}

/** A text of one token. */
export function oneToken(): Explanation {
  const text = "Hi";
  return base(text, tokenize(text, ["Hi"]), [0.5], [
    { id: 0, label: "!", probability: 0.5, logit: 1 },
  ], LM);
}

/** The English fixture with a raw attention matrix (each row a softmax-like distribution). */
export function englishWithAttention(): Explanation {
  const e = english();
  const n = e.tokens.length;
  const matrix = Array.from({ length: n }, (_, r) => {
    const row = Array.from({ length: n }, (_, c) => Math.exp(-Math.abs(r - c)) + (c === 0 ? 1 : 0));
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / sum);
  });
  e.attention = { kind: "raw", layer: 5, head: 3, matrix };
  return e;
}

/** A text whose tokens are markup and entities, to check escaping. */
export function markup(): Explanation {
  const text = `<script>alert("x")</script> & 'quotes'`;
  const tokens = tokenize(text, ["<script>", "alert", `("x")`, "</script>", " &", " 'quotes'"]);
  return base(text, tokens, [0.5, -0.5, 0.1, -0.1, 0.9, -0.9], [
    { id: 1, label: "<b>&amp;", probability: 0.9, logit: 2 },
  ], CLASSIFIER);
}
