import assert from "node:assert/strict";
import { parseArgs, UsageError } from "./args.ts";

const defaults = { model: "distilbert-sentiment", method: "occlusion" };

Deno.test("contract flags, method options in kebab-case, and the text", () => {
  const a = parseArgs([
    "--model",
    "gpt2-tiny",
    "--method",
    "integrated-gradients",
    "--steps",
    "20",
    "--integration=riemann-trapezoid",
    "--batch-size",
    "8",
    "--target-id",
    "42",
    "--contrast",
    "dog",
    "--output",
    "probability",
    "--format",
    "json",
    "--noise",
    "0.1",
    "--words",
    "the text",
  ], defaults);
  assert.equal(a.model, "gpt2-tiny");
  assert.equal(a.method, "integrated-gradients");
  assert.equal(a.targetId, 42);
  assert.equal(a.contrast, "dog");
  assert.equal(a.output, "probability");
  assert.equal(a.format, "json");
  assert.equal(a.words, true);
  assert.equal(a.text, "the text");
  assert.deepEqual(a.params, {
    steps: 20,
    integration: "riemann-trapezoid",
    batchSize: 8,
    noise: 0.1,
  });
});

Deno.test("usage errors say what is wrong", () => {
  const cases: [string[], string][] = [
    [["--format", "gif", "x"], '--format must be one of text, json, svg, png, html, got "gif"'],
    [["--target-id", "two", "x"], '--target-id must be an integer, got "two"'],
    [["--model"], "--model needs a value"],
    [["a", "b"], "Give the text as one argument (quote it); got 2 arguments"],
    [["--backend", "gpu", "x"], '--backend must be web or node, got "gpu"'],
  ];
  for (const [argv, message] of cases) {
    assert.throws(
      () => parseArgs(argv, defaults),
      (e: unknown) => e instanceof UsageError && e.message === message,
    );
  }
});
