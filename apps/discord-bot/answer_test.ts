import assert from "node:assert/strict";
import { type Explanation, InputError, type Model, ModelLoadError } from "@glassbox/core";
import {
  altText,
  checkOptions,
  type ComputeDeps,
  escapeMarkdown,
  explainSummary,
  localCompute,
  type Plan,
  predictSummary,
  type Reply,
  Responder,
  topUnits,
} from "./answer.ts";

/** "not a great movie" explained for NEGATIVE, with two subword pieces in "movie". */
function sample(): Explanation {
  const tokens = [
    { id: 101, text: "[CLS]", start: 0, end: 0, special: true },
    { id: 1, text: "not", start: 0, end: 3, special: false },
    { id: 2, text: "a", start: 4, end: 5, special: false },
    { id: 3, text: "great", start: 6, end: 11, special: false },
    { id: 4, text: "mov", start: 12, end: 15, special: false },
    { id: 5, text: "##ie", start: 15, end: 17, special: false },
    { id: 102, text: "[SEP]", start: 17, end: 17, special: true },
  ];
  return {
    schemaVersion: 1,
    model: {
      id: "m",
      task: "text-classification",
      architecture: "DistilBertForSequenceClassification",
    },
    text: "not a great movie",
    tokens,
    predictions: [
      { id: 0, label: "NEGATIVE", probability: 0.8731, logit: 1.2 },
      { id: 1, label: "POSITIVE", probability: 0.1269, logit: -0.7 },
    ],
    target: { id: 0, label: "NEGATIVE", probability: 0.8731, position: 0 },
    method: { id: "occlusion", output: "logit", params: { window: 1 } },
    scores: [0.5, 1.25, 0.01, -0.8, 0.2, 0.3, 0],
    words: [
      { text: "not", start: 0, end: 3, tokens: [1, 1], score: 1.25 },
      { text: "a", start: 4, end: 5, tokens: [2, 2], score: 0.01 },
      { text: "great", start: 6, end: 11, tokens: [3, 3], score: -0.8 },
      { text: "movie", start: 12, end: 17, tokens: [4, 5], score: 0.5 },
    ],
    diagnostics: { elapsedMs: 1, forwardPasses: 5, backwardPasses: 0, backend: "test" },
  };
}

Deno.test("topUnits ranks by absolute score; words skip punctuation, tokens skip specials", () => {
  const e = sample();
  assert.deepEqual(topUnits(e, 3, "word").map((w) => w.text), ["not", "great", "movie"]);
  assert.deepEqual(topUnits(e, 3, "token").map((t) => t.text), ["not", "great", "##ie"]);
  e.words!.push({ text: "!", start: 17, end: 18, tokens: [5, 5], score: 9 });
  assert.deepEqual(topUnits(e, 2, "word").map((w) => w.text), ["not", "great"], "no punctuation");
  delete e.words;
  assert.deepEqual(topUnits(e, 2, "word").map((t) => t.text), ["not", "great"]);
});

Deno.test("explainSummary names the top prediction, method and three words", () => {
  assert.equal(
    explainSummary(sample(), "distilbert-sentiment"),
    "Top prediction: **NEGATIVE** 87.3% · model `distilbert-sentiment`\n" +
      "Why **NEGATIVE**, by `occlusion` (logit)\n" +
      "Words that mattered most: **not** (+1.25), **great** (-0.80), **movie** (+0.50)",
  );
  const other = sample();
  other.target = { id: 1, label: "POSITIVE", probability: 0.1269, position: 0 };
  assert.match(explainSummary(other, "m").split("\n")[1], /^Why \*\*POSITIVE\*\* \(12\.7%\), by/);
});

Deno.test("altText names the top tokens and stays within Discord's 1024 characters", () => {
  const e = sample();
  assert.match(
    altText(e),
    /^Token attributions by occlusion for "NEGATIVE" \(p = 0\.873\)\. Top tokens: "not" \+1\.25, "great" -0\.80, "##ie" \+0\.30, "mov" \+0\.20, "a" \+0\.010\. Text: not a great movie$/,
  );
  e.text = "x".repeat(3000);
  assert.equal(altText(e).length, 1024);
});

Deno.test("predictSummary: numbered predictions, GPT-2 tokens trimmed or quoted", () => {
  const result = {
    model: { id: "gpt2-tiny", task: "text-generation" as const, architecture: "GPT2LMHeadModel" },
    text: "The capital of France is",
    tokens: [],
    predictions: [
      { id: 6342, label: " Paris", probability: 0.412, logit: 3 },
      { id: 198, label: "\n", probability: 0.05, logit: 1 },
      { id: 9, label: "*", probability: 0.01, logit: 0 },
    ],
    entropy: 1,
    position: 4,
    diagnostics: { elapsedMs: 1, backend: "test" },
  };
  assert.equal(
    predictSummary(result, "gpt2-tiny"),
    [
      "Predictions of `gpt2-tiny`:",
      "1. **Paris** 41.2%",
      // A newline token is shown quoted, its backslash escaped for Discord's markdown.
      String.raw`2. **"\\n"** 5.0%`,
      String.raw`3. **\*** 1.0%`,
    ].join("\n"),
  );
});

Deno.test("escapeMarkdown keeps echoed text literal and mention syntax inert", () => {
  assert.equal(
    escapeMarkdown("**hi** <@123> `x`\n_y_"),
    "\\*\\*hi\\*\\* \\<@123\\> \\`x\\` \\_y\\_",
  );
});

Deno.test("checkOptions enforces the registered limits with reasons", () => {
  const models = ["a", "b"];
  assert.deepEqual(checkOptions("explain", { text: "hi" }, models), {
    text: "hi",
    model: "a",
    method: "occlusion",
    target: undefined,
  });
  assert.equal(
    checkOptions("explain", { text: "  " }, models),
    "The text is empty: give at least one word",
  );
  assert.equal(
    checkOptions("explain", { text: "x".repeat(1001) }, models),
    "The text is 1001 characters long; the limit is 1000",
  );
  assert.equal(
    checkOptions("predict", { text: "hi", model: "c" }, models),
    "Unknown model c: this bot has a, b",
  );
  assert.match(
    checkOptions("explain", { text: "hi", method: "magic" }, models) as string,
    /^Unknown method "magic": known methods are .*occlusion/,
  );
  assert.equal(
    checkOptions("explain", { text: "hi", target: "t".repeat(101) }, models),
    "The target must be 1 to 100 characters long, got 101",
  );
  assert.equal(
    checkOptions("predict", { text: "hi", method: "occlusion" }, models),
    "Unknown option method for /predict: it takes text, model",
  );
});

function responder(overrides: Partial<ComputeDeps> = {}) {
  let clock = 1_000_000;
  const logged: string[] = [];
  const model = { id: "a" } as Model;
  const r = new Responder({
    models: ["a"],
    compute: localCompute({
      loadModel: () => Promise.resolve(model),
      renderPng: () => Promise.resolve(new Uint8Array([137, 80, 78, 71])),
      explain: () => Promise.resolve(sample()),
      logError: (message) => logged.push(message),
      ...overrides,
    }),
    cooldownSeconds: 10,
    queueCapacity: 2,
    now: () => clock,
  });
  return { r, logged, tick: (ms: number) => clock += ms };
}

function immediate(plan: Plan): Reply {
  assert.ok("reply" in plan, "expected an immediate reply");
  return plan.reply;
}

async function ran(plan: Plan): Promise<Reply> {
  assert.ok("pending" in plan, "expected deferred work");
  return await plan.pending;
}

Deno.test("Responder: an explanation comes back with the PNG and alt text", async () => {
  const { r } = responder();
  const reply = await ran(
    r.plan({ name: "explain", options: { text: "not a great movie" }, userId: "u" }),
  );
  assert.equal(reply.ephemeral, false);
  assert.equal(reply.image?.name, "explanation.png");
  assert.deepEqual([...reply.image!.data], [137, 80, 78, 71]);
  assert.match(reply.content, /Words that mattered most: \*\*not\*\*/);
});

Deno.test("Responder: per-user cooldown refuses with the time left, other users go ahead", async () => {
  const { r, tick } = responder();
  const ask = (userId: string) => r.plan({ name: "explain", options: { text: "hi" }, userId });
  assert.equal((await ran(ask("u1"))).ephemeral, false);
  tick(2500);
  assert.deepEqual(immediate(ask("u1")), {
    content: "Slow down: one /explain or /predict per 10 s per user. Try again in 8 s.",
    ephemeral: true,
  });
  assert.equal((await ran(ask("u2"))).ephemeral, false);
  tick(7500);
  assert.equal((await ran(ask("u1"))).ephemeral, false);
  assert.equal(immediate(r.plan({ name: "methods", options: {}, userId: "u1" })).ephemeral, true);
});

Deno.test("Responder: a full queue refuses without charging the cooldown", async () => {
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const { r } = responder({
    explain: async () => {
      await gate;
      return sample();
    },
  });
  const ask = (userId: string) => r.plan({ name: "explain", options: { text: "hi" }, userId });
  const running = [ran(ask("u1")), ran(ask("u2"))];
  assert.equal(
    immediate(ask("u3")).content,
    "The bot is busy with 2 requests; try again in a minute.",
  );
  release();
  await Promise.all(running);
  assert.ok("pending" in ask("u3"), "u3 was not charged a cooldown for the refused command");
});

Deno.test("Responder: failures become ephemeral reasons; internals are logged, not shown", async () => {
  const cases: [unknown, string][] = [
    [new InputError("Text is 600 tokens long"), "Could not explain: Text is 600 tokens long"],
    [
      new ModelLoadError("/srv/models/a/onnx/model.onnx", "not found"),
      "Could not explain: the model could not be loaded on the server; try another model",
    ],
    [new Error("boom at /srv/x"), "Could not explain: an internal error happened; it was logged"],
    [
      new DOMException("timed out", "TimeoutError"),
      "Could not explain: it took longer than 60 s and was stopped; try a shorter text or the occlusion method",
    ],
  ];
  for (const [error, message] of cases) {
    const { r, logged } = responder({ explain: () => Promise.reject(error) });
    const reply = await ran(r.plan({ name: "explain", options: { text: "hi" }, userId: "u" }));
    assert.deepEqual(reply, { content: message, ephemeral: true });
    assert.equal(logged.length, message.includes("internal") || message.includes("loaded") ? 1 : 0);
  }
});

Deno.test("Responder: unknown commands are refused with the list", () => {
  const { r } = responder();
  assert.equal(
    immediate(r.plan({ name: "ask", options: {}, userId: "u" })).content,
    "Unknown command /ask: this bot has /explain, /predict and /methods",
  );
});
