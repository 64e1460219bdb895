import assert from "node:assert/strict";
import { optionName, optionValue, positiveInteger, scanArgs, UsageError } from "./flags.ts";

const booleans = new Set(["words", "h"]);

Deno.test("scanArgs: flags with values, booleans, positionals and -- in command-line order", () => {
  const argv = ["--seed", "-1", "-h", "--words=no", "--steps=", "text", "-", "--", "--not-a-flag"];
  assert.deepEqual([...scanArgs(argv, { booleans, singleDash: true })], [
    { kind: "flag", flag: "seed", value: "-1" },
    { kind: "flag", flag: "h" },
    { kind: "flag", flag: "words" },
    { kind: "flag", flag: "steps", value: "" },
    { kind: "positional", value: "text" },
    { kind: "positional", value: "-" },
    { kind: "positional", value: "--not-a-flag" },
  ]);
  assert.deepEqual([...scanArgs(["-h", "-x", "--limit", "3"], { booleans, singleDash: false })], [
    { kind: "positional", value: "-h" },
    { kind: "positional", value: "-x" },
    { kind: "flag", flag: "limit", value: "3" },
  ]);
});

Deno.test("scanArgs and the value checks say what is wrong", () => {
  const cases: [() => unknown, string][] = [
    [() => [...scanArgs(["--model"], { booleans, singleDash: true })], "--model needs a value"],
    [
      () => [...scanArgs(["--a_b", "1"], { booleans, singleDash: true })],
      'Unknown argument "--a_b"',
    ],
    [() => [...scanArgs(["---x"], { booleans, singleDash: false })], 'Unknown argument "---x"'],
    [() => positiveInteger("limit", "0"), '--limit must be an integer >= 1, got "0"'],
    [() => positiveInteger("limit", "2.5"), '--limit must be an integer >= 1, got "2.5"'],
  ];
  for (const [run, message] of cases) {
    assert.throws(run, (e: unknown) => e instanceof UsageError && e.message === message);
  }
  assert.equal(positiveInteger("limit", "12"), 12);
});

Deno.test("method options: kebab-case names, numbers and booleans from text", () => {
  assert.equal(optionName("batch-size"), "batchSize");
  assert.equal(optionName("neurons-per-token"), "neuronsPerToken");
  assert.deepEqual(
    ["8", "-0.5", ".25", "1e-3", "true", "false", "auto", "0x10", ""].map(optionValue),
    [8, -0.5, 0.25, 0.001, true, false, "auto", "0x10", ""],
  );
});
