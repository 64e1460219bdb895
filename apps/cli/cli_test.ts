/**
 * The `explain` command as a user runs it: a real process, its stdout, stderr and exit code.
 */
import assert from "node:assert/strict";
import { forwardLogits, loadModel } from "@glassbox/core";
import { checkSchema, type SchemaNode } from "@glassbox/core/testing/schema_check";

const ROOT = new URL("../../", import.meta.url);
const MAIN = new URL("main.ts", import.meta.url).pathname;
const FIXTURE = new URL("testdata/models/distilbert-tiny-opset14/", ROOT).pathname;
const schema: SchemaNode = JSON.parse(
  await Deno.readTextFile(new URL("packages/core/explanation.schema.json", ROOT)),
);

/** The fixture's target logits and probabilities on id rows, from core's forward pass in-process. */
async function fixtureOutputs(rows: number[][], target: number) {
  return await fixtureOutputsOf(FIXTURE, undefined, rows, target);
}

async function fixtureOutputsOf(
  dir: string,
  variant: string | undefined,
  rows: number[][],
  target: number,
) {
  const model = await loadModel(dir, { variant });
  try {
    const { logits, vocab } = await forwardLogits(model, rows);
    return rows.map((_, r) => {
      const z = logits.subarray(r * vocab, (r + 1) * vocab);
      const total = z.reduce((s, v) => s + Math.exp(v), 0);
      return { logit: z[target], probability: Math.exp(z[target]) / total };
    });
  } finally {
    await model.release();
  }
}

async function explain(...args: string[]) {
  return await explainWith({}, ...args);
}

async function explainWith(env: Record<string, string>, ...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: ROOT,
    stdin: "null",
    env,
  }).output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
    bytes: stdout,
  };
}

Deno.test("json output is a valid Explanation; text output without a terminal carries scores in plain text", async () => {
  const json = await explain("--model", FIXTURE, "--format", "json", "What a wonderful day");
  assert.equal(json.code, 0, json.stderr);
  const e = JSON.parse(json.stdout);
  assert.deepEqual(checkSchema(schema, e), []);
  assert.equal(e.method.id, "occlusion");
  const text = await explain("--model", FIXTURE, "What a wonderful day");
  assert.equal(text.code, 0, text.stderr);
  assert.ok(!text.stdout.includes("\x1b["), "no ANSI codes when stdout is not a terminal");
  // Occlusion, window 1: each ordinary token's score is the target logit with the token minus
  // the target logit without it; special tokens are never removed.
  const ids: number[] = e.tokens.map((t: { id: number }) => t.id);
  const rows = [ids, ...ids.map((_, i) => ids.filter((_, j) => j !== i))];
  const [full, ...without] = await fixtureOutputs(rows, e.target.id);
  for (const [i, t] of e.tokens.entries()) {
    if (!t.special) assert.ok(text.stdout.includes(`${t.text}(`), `token ${t.text} with its score`);
    const expected = t.special ? 0 : full.logit - without[i].logit;
    assert.ok(Math.abs(e.scores[i] - expected) < 1e-5, `${t.text}: ${e.scores[i]} vs ${expected}`);
  }
});

Deno.test("png output is written to --out", async () => {
  const out = await Deno.makeTempFile({ suffix: ".png" });
  const r = await explain(
    "--model",
    FIXTURE,
    "--format",
    "png",
    "--out",
    out,
    "我们 love 可解释性 🙂 models",
  );
  assert.equal(r.code, 0, r.stderr);
  const png = await Deno.readFile(out);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  await Deno.remove(out);
});

Deno.test("bad usage and bad input exit with 2 and one line on stderr", async () => {
  const corrupt = await Deno.makeTempDir();
  await Deno.mkdir(`${corrupt}/onnx`);
  for (const f of ["config.json", "tokenizer.json"]) {
    await Deno.copyFile(`${FIXTURE}${f}`, `${corrupt}/${f}`);
  }
  await Deno.writeTextFile(`${corrupt}/onnx/model.onnx`, "this is not a protobuf");
  const noTokenizer = await Deno.makeTempDir();
  await Deno.copyFile(`${FIXTURE}config.json`, `${noTokenizer}/config.json`);
  const cases: [string[], RegExp][] = [
    [
      ["--model", FIXTURE, "   "],
      /^explain: Text is empty: give at least one non-whitespace character$/,
    ],
    [
      ["--model", FIXTURE, "word ".repeat(200)],
      /^explain: Text is 202 tokens long, but model .* takes at most 128 tokens \(special tokens included\); shorten the text$/,
    ],
    [
      ["--model", "no/such/dir", "hi"],
      /^explain: Cannot load model file .*no\/such\/dir\/config.json: file not found$/,
    ],
    [
      ["--model", corrupt, "hi"],
      /^explain: Cannot load model file .*\/onnx\/model.onnx: onnxruntime cannot load it/,
    ],
    [
      ["--model", noTokenizer, "hi"],
      /^explain: Cannot load model file .*\/tokenizer.json: file not found$/,
    ],
    [
      ["--model", FIXTURE, "--steps", "5", "hi"],
      /^explain: Cannot run occlusion: unknown option "steps"; allowed options are window, replacement$/,
    ],
    [
      ["--model", FIXTURE, "--method", "magic", "hi"],
      /^explain: Unknown method "magic": known methods are .*occlusion/,
    ],
    [
      ["--model", FIXTURE, "--window", "0", "hi"],
      /^explain: Cannot run occlusion: "window" must be >= 1, current value is 0$/,
    ],
    [
      ["--format", "gif", "hi"],
      /^explain: --format must be one of text, json, svg, png, html, got "gif"$/,
    ],
    [[], /^explain: Give the text to explain/],
    [
      ["--dtype", "int4", "hi"],
      /^explain: --dtype must be one of fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4, got "int4"$/,
    ],
    [
      ["--dtype", "q8", "--variant", "model", "hi"],
      /^explain: Give --dtype or --variant, not both$/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const r = await explain(...args);
    const lines = r.stderr.split("\n").filter((l) => l && !l.includes("Task"));
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(lines.length, 1, `one line for ${args.join(" ")}: ${r.stderr}`);
    assert.match(lines[0], pattern);
  }
  await Deno.remove(corrupt, { recursive: true });
  await Deno.remove(noTokenizer, { recursive: true });
});

Deno.test("--dtype q8 loads model_quantized.onnx; without it the error lists the graph files", async () => {
  const int8 = new URL("testdata/models/distilbert-tiny-int8/", ROOT).pathname;
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/onnx`);
  for (
    const f of [
      "config.json",
      "tokenizer.json",
      "tokenizer_config.json",
      "onnx/model_quantized.onnx",
    ]
  ) {
    await Deno.copyFile(`${int8}${f}`, `${dir}/${f}`);
  }
  const q8 = await explain("--model", dir, "--dtype", "q8", "--predict", "--format", "json", "hi");
  assert.equal(q8.code, 0, q8.stderr);
  const e = JSON.parse(q8.stdout);
  const ids = [e.tokens.map((t: { id: number }) => t.id)];
  const [[negative], [positive]] = [
    await fixtureOutputsOf(int8, "model_quantized", ids, 0),
    await fixtureOutputsOf(int8, "model_quantized", ids, 1),
  ];
  const expected = { NEGATIVE: negative.probability, POSITIVE: positive.probability };
  for (const p of e.predictions as { label: "NEGATIVE" | "POSITIVE"; probability: number }[]) {
    assert.ok(Math.abs(p.probability - expected[p.label]) < 1e-6, `${p.label}: ${p.probability}`);
  }
  const missing = await explain("--model", dir, "hi");
  assert.equal(missing.code, 2);
  assert.equal(
    missing.stderr.trim(),
    `explain: Cannot load model file ${dir}/onnx/model.onnx: file not found; ${dir}/onnx/ holds model_quantized.onnx (dtype q8)`,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("onnxruntime's own error lines stay off stderr unless GLASSBOX_DEBUG is set", async () => {
  // A config.json claiming more positions than the graph's table has: onnxruntime-node fails in the
  // embeddings' Add and, left at its default level, logs that in colour before glassbox's message.
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/onnx`);
  for (const f of ["tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]) {
    await Deno.copyFile(`${FIXTURE}${f}`, `${dir}/${f}`);
  }
  const config = JSON.parse(await Deno.readTextFile(`${FIXTURE}config.json`));
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify({ ...config, max_position_embeddings: 1000 }),
  );
  const args = ["--model", dir, "--backend", "node", "--predict", "word ".repeat(200)];
  const quiet = await explainWith({ GLASSBOX_DEBUG: "" }, ...args);
  assert.equal(quiet.code, 1);
  const lines = quiet.stderr.split("\n").filter((l) => l);
  assert.equal(lines.length, 1, quiet.stderr);
  assert.ok(
    lines[0].startsWith(
      "explain: internal error: Non-zero status code returned while running Add node. Name:'/embeddings/Add'",
    ),
    lines[0],
  );
  const debug = await explainWith({ GLASSBOX_DEBUG: "1" }, ...args);
  assert.ok(debug.stderr.includes("[E:onnxruntime:"), debug.stderr);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("attention-rollout puts the rollout matrix in attention.matrix", async () => {
  const r = await explain(
    "--model",
    FIXTURE,
    "--method",
    "attention-rollout",
    "--format",
    "json",
    "Rollout in the CLI",
  );
  assert.equal(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout);
  assert.equal(e.attention.kind, "rollout");
  assert.equal(e.attention.matrix.length, e.tokens.length);
  for (const row of e.attention.matrix) {
    assert.equal(row.length, e.tokens.length);
    assert.ok(
      Math.abs(row.reduce((s: number, v: number) => s + v, 0) - 1) < 1e-5,
      "rollout rows sum to 1",
    );
  }
});

Deno.test("--faithfulness: removing the top token drops the probability by occlusion's score for it", async () => {
  const r = await explain(
    "--model",
    FIXTURE,
    "--output",
    "probability",
    "--faithfulness",
    "--format",
    "json",
    "What a wonderful day",
  );
  assert.equal(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout);
  const f = e.diagnostics.faithfulness;
  const free = e.scores.filter((_: number, i: number) => !e.tokens[i].special) as number[];
  const first = f.comprehensiveness.bins.find((b: { tokens: number }) => b.tokens === 1);
  assert.ok(
    Math.abs(first.value - Math.max(...free)) < 1e-6,
    `${first.value} vs ${Math.max(...free)}`,
  );
  // The deletion curve: the target probability as the tokens are deleted in score order, one per
  // point (four ordinary tokens), and its trapezoid area.
  const ids: number[] = e.tokens.map((t: { id: number }) => t.id);
  const order = e.tokens.map((_: unknown, i: number) => i).filter((i: number) =>
    !e.tokens[i].special
  )
    .sort((a: number, b: number) => e.scores[b] - e.scores[a] || a - b);
  assert.equal(order.length, 4);
  const rows = [0, 1, 2, 3, 4].map((k) => ids.filter((_, i) => !order.slice(0, k).includes(i)));
  const curve = (await fixtureOutputs(rows, e.target.id)).map((o) => o.probability);
  assert.deepEqual(f.deletion.points.map((p: { fraction: number }) => p.fraction), [
    0,
    0.25,
    0.5,
    0.75,
    1,
  ]);
  f.deletion.points.forEach((p: { value: number }, k: number) =>
    assert.ok(Math.abs(p.value - curve[k]) < 1e-6, `deletion point ${k}: ${p.value} vs ${curve[k]}`)
  );
  const auc = curve.slice(1).reduce((s, v, k) => s + 0.25 * (v + curve[k]) / 2, 0);
  assert.ok(Math.abs(f.deletion.auc - auc) < 1e-6, `deletion AUC ${f.deletion.auc} vs ${auc}`);
});
