/**
 * Whole-model gradients: the gradient graphs of the tiny test exports (DistilBERT at opsets 11, as
 * Optimum exports it, 14 and 17; GPT-2 at opsets 14 and 17) against the PyTorch float64 references of
 * scripts/make_fixtures.py, against central finite differences, and the real Optimum export.
 */
import assert from "node:assert/strict";
import { loadModel, type Model } from "../model.ts";
import { BUNDLED_MODELS, bundledModelBase } from "../bundled.ts";
import type { OutputKind } from "../explanation.ts";
import { createSession } from "../session.ts";
import { UnsupportedOpError } from "../errors.ts";
import { OnnxGraph } from "../onnx/graph.ts";
import { DataType } from "../onnx/proto.ts";
import { forwardLogits } from "../forward.ts";
import { gradientRunner, GRAPH_VERSION } from "./runner.ts";

const MODELS = [
  "distilbert-tiny-opset11",
  "distilbert-tiny-opset14",
  "distilbert-tiny-opset17",
  "gpt2-tiny-opset14",
  "gpt2-tiny-opset17",
];
const dir = (name: string) => new URL(`../../../../testdata/models/${name}/`, import.meta.url);
/** PyTorch runs in float64 and onnxruntime in float32: observed errors are about 1e-6. */
const TOLERANCE = 1e-4;

interface Reference {
  texts: {
    input_ids: number[];
    position: number;
    target_id: number;
    contrast_id: number;
    saliency: number[];
    gradient_x_input: number[];
    gradient_x_input_probability: number[];
    gradient_x_input_log_probability: number[];
    gradient_x_input_contrast: number[];
  }[];
}

function relativeL2(actual: readonly number[], expected: readonly number[]): number {
  let err = 0, norm = 0;
  expected.forEach((e, i) => {
    err += (actual[i] - e) ** 2;
    norm += e * e;
  });
  return Math.sqrt(err / norm);
}

function perToken(n: number, hidden: number, f: (i: number, k: number) => number): number[] {
  return Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let k = 0; k < hidden; k++) s += f(i, k);
    return s;
  });
}

for (const name of MODELS) {
  Deno.test(`gradient graph of ${name}: saliency and gradient x input match PyTorch (logit, probability, log-probability, contrast)`, async () => {
    const model = await loadModel(dir(name));
    const reference = JSON.parse(
      await Deno.readTextFile(new URL("reference.json", dir(name))),
    ) as Reference;
    try {
      // A model whose output ignores its input has a zero gradient, which a builder writing zeros
      // would match: first make sure the texts give this model different logits.
      const { logits, vocab } = await forwardLogits(model, reference.texts.map((t) => t.input_ids));
      for (let row = 1; row < reference.texts.length; row++) {
        let gap = 0;
        for (let k = 0; k < vocab; k++) {
          gap = Math.max(gap, Math.abs(logits[row * vocab + k] - logits[k]));
        }
        assert.ok(gap > 1e-2, `text ${row} and text 0 give ${name} the same logits`);
      }
      for (const text of reference.texts) {
        const ids = text.input_ids;
        for (
          const [output, key, contrastId] of [
            ["logit", "gradient_x_input", undefined],
            ["probability", "gradient_x_input_probability", undefined],
            ["log-probability", "gradient_x_input_log_probability", undefined],
            ["logit", "gradient_x_input_contrast", text.contrast_id],
          ] as const
        ) {
          const runner = await gradientRunner(model, output);
          const x = runner.embed(ids);
          const { grads } = await runner.run({
            embeds: x,
            rows: 1,
            ids,
            targetId: text.target_id,
            contrastId,
            position: text.position,
          });
          const h = runner.hidden;
          const gxi = perToken(ids.length, h, (i, k) => grads[i * h + k] * x[i * h + k]);
          const error = relativeL2(gxi, text[key]);
          assert.ok(error < TOLERANCE, `${key} "${ids.length} tokens": relative L2 error ${error}`);
          if (key === "gradient_x_input") {
            const saliency = perToken(ids.length, h, (i, k) => grads[i * h + k] ** 2).map(
              Math.sqrt,
            );
            assert.ok(relativeL2(saliency, text.saliency) < TOLERANCE);
          }
        }
      }
      assert.equal(
        await gradientRunner(model, "logit"),
        await gradientRunner(model, "logit"),
        "runner is cached per model",
      );
    } finally {
      await model.release();
    }
  });
}

/**
 * Compares the gradient of every coordinate of two tokens with central differences of the objective,
 * all perturbed rows run as batches of one request.
 */
async function finiteDifferenceError(
  model: Model,
  ids: number[],
  output: OutputKind,
  contrast: boolean,
): Promise<number> {
  const runner = await gradientRunner(model, output);
  const x = runner.embed(ids);
  const position = model.task === "text-generation" ? ids.length - 1 : 0;
  const request = { rows: 1, ids, targetId: 1, contrastId: contrast ? 0 : undefined, position };
  const { grads } = await runner.run({ ...request, embeds: x });
  const coords = [...Array(2 * runner.hidden).keys()].map((k) => k + runner.hidden);
  const h = 1e-2;
  const rows = new Float32Array(coords.length * 2 * x.length);
  coords.forEach((c, r) => {
    for (const [j, sign] of [[0, 1], [1, -1]]) {
      const row = x.slice();
      row[c] += sign * h;
      rows.set(row, (2 * r + j) * x.length);
    }
  });
  const { objective, runs } = await runner.run({
    ...request,
    embeds: rows,
    rows: coords.length * 2,
    batchSize: 16,
  });
  assert.equal(runs, Math.ceil(coords.length * 2 / 16));
  const fd = coords.map((_, r) => (objective[2 * r] - objective[2 * r + 1]) / (2 * h));
  return relativeL2(coords.map((c) => grads[c]), fd);
}

Deno.test("gradient graph of gpt2-tiny-opset17: batched rows match central finite differences", async () => {
  const model = await loadModel(dir("gpt2-tiny-opset17"));
  try {
    const error = await finiteDifferenceError(
      model,
      [464, 2068, 7586, 21831],
      "log-probability",
      true,
    );
    assert.ok(error < 5e-3, `relative L2 error against finite differences ${error}`);
  } finally {
    await model.release();
  }
});

for (const name of BUNDLED_MODELS) {
  Deno.test(`gradient graph of the demo model ${name}: matches central finite differences`, async (t) => {
    try {
      await Deno.stat(new URL("onnx/model.onnx", bundledModelBase(name)));
    } catch {
      console.warn(`notice: models/${name}/onnx/model.onnx is absent; skipping its gradient check`);
      await t.step({ name: "skipped: model absent", ignore: true, fn: () => {} });
      return;
    }
    const model = await loadModel(name);
    try {
      const ids = model.tokenizer.encode("What a wonderful, surprising day it was").ids;
      for (const output of ["logit", "probability"] as const) {
        const error = await finiteDifferenceError(model, ids, output, output === "logit");
        assert.ok(error < 5e-3, `${output}: relative L2 error against finite differences ${error}`);
      }
    } finally {
      await model.release();
    }
  });
}

const OPTIMUM = new URL(
  "../../../../testdata/models/optimum-tiny-distilbert/onnx/model.onnx",
  import.meta.url,
);

// Optimum's own test export: its random weights leave its ReLU dead, so its logits are the same for
// every input and its true gradient is zero. This shows the builder reads the export's graph and
// computes its objective; the gradients of an opset-11 export are checked against PyTorch on
// distilbert-tiny-opset11 above.
Deno.test("gradient graph of the Optimum DistilBERT export (opset 11): objective equals the model's logit", async () => {
  const onnx = await Deno.readFile(OPTIMUM);
  const model = {
    onnx,
    externalData: [],
    hash: "optimum",
    backend: "web" as const,
    createSession: (b: Uint8Array, externalData?: { path: string; data: Uint8Array }[]) =>
      createSession(b, { externalData }),
    derived: new Map(),
  };
  const runner = await gradientRunner(model, "logit");
  const ids = [101, 7592, 2088, 102];
  const x = runner.embed(ids);
  const { grads, objective } = await runner.run({
    embeds: x,
    rows: 1,
    ids,
    targetId: 1,
    position: 0,
  });
  const session = await createSession(onnx);
  const logits = await session.run({
    input_ids: { type: "int64", dims: [1, 4], data: BigInt64Array.from(ids.map(BigInt)) },
    attention_mask: { type: "int64", dims: [1, 4], data: new BigInt64Array(4).fill(1n) },
  });
  await session.release();
  assert.ok(Math.abs(objective[0] - (logits.logits.data as Float32Array)[1]) < 1e-6);
  assert.deepEqual(Array.from(grads), new Array(grads.length).fill(0));
});

Deno.test("gradient graph: a com.microsoft op in the model raises UnsupportedOpError", async () => {
  const graph = OnnxGraph.parse(
    await Deno.readFile(new URL("onnx/model.onnx", dir("distilbert-tiny-opset17"))),
  );
  const gelu = graph.findNodes((n) => n.op_type === "Erf")[0];
  gelu.op_type = "FastGelu";
  gelu.domain = "com.microsoft";
  gelu.name = "fused_gelu_0";
  graph.model.opset_import!.push({ domain: "com.microsoft", version: 1 });
  const model = {
    onnx: graph.serialize(),
    externalData: [],
    hash: "fused",
    backend: "web" as const,
    createSession: (b: Uint8Array, externalData?: { path: string; data: Uint8Array }[]) =>
      createSession(b, { externalData }),
    derived: new Map(),
  };
  await assert.rejects(
    () => gradientRunner(model, "logit"),
    (e: unknown) =>
      e instanceof UnsupportedOpError && e.opType === "FastGelu" && e.node === "fused_gelu_0",
  );
});

Deno.test("gradient graph: cached on disk under cacheDir, keyed by the model hash and output", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    const first = await loadModel(dir("gpt2-tiny-opset17"), { cacheDir });
    const ids = [464, 2068];
    const run = async (model: typeof first) => {
      const runner = await gradientRunner(model, "probability");
      return (await runner.run({
        embeds: runner.embed(ids),
        rows: 1,
        ids,
        targetId: 13,
        position: 1,
      })).grads;
    };
    const built = await run(first);
    await first.release();
    const files = [...Deno.readDirSync(cacheDir)].map((f) => f.name).sort();
    assert.deepEqual(files, [
      `${first.hash}-gradient-v${GRAPH_VERSION}-probability.json`,
      `${first.hash}-gradient-v${GRAPH_VERSION}-probability.onnx`,
    ]);
    // The cached graph holds no weights (they are read from the model's own bytes).
    assert.ok(Deno.statSync(`${cacheDir}/${files[1]}`).size < 200_000);
    const second = await loadModel(dir("gpt2-tiny-opset17"), { cacheDir });
    assert.deepEqual(await run(second), built);
    await second.release();
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("gradient graph: a float16 model is refused with a clear UnsupportedOpError, remembered for the model", async () => {
  const graph = OnnxGraph.parse(
    await Deno.readFile(new URL("onnx/model.onnx", dir("gpt2-tiny-opset17"))),
  );
  const table = graph.model.graph!.initializer!.find((t) => t.name === "transformer.wte.weight")!;
  table.data_type = DataType.FLOAT16;
  table.raw_data = table.raw_data!.subarray(0, table.raw_data!.byteLength / 2);
  const model = {
    onnx: graph.serialize(),
    externalData: [],
    hash: "fp16",
    backend: "web" as const,
    createSession: (b: Uint8Array) => createSession(b),
    derived: new Map(),
  };
  let refusal: unknown;
  await assert.rejects(
    () => gradientRunner(model, "logit"),
    (e: unknown) => {
      refusal = e;
      return e instanceof UnsupportedOpError && e.opType === "Gather" &&
        e.message.includes(
          "the model stores float16 weights; gradient methods need a float32 export",
        );
    },
  );
  // A refusal of the model is deterministic: remembered, not rebuilt (derived.ts).
  await assert.rejects(() => gradientRunner(model, "logit"), (e: unknown) => e === refusal);
  assert.deepEqual([...model.derived.keys()], ["gradient:logit"]);
});

Deno.test("gradient graph: a transient failure is forgotten, and the next call builds the runner", async () => {
  const source = dir("gpt2-tiny-opset17");
  const config = JSON.parse(await Deno.readTextFile(new URL("config.json", source)));
  let failures = 1;
  const model = {
    onnx: await Deno.readFile(new URL("onnx/model.onnx", source)),
    externalData: [],
    hash: "transient",
    backend: "web" as const,
    createSession: (bytes: Uint8Array, externalData?: { path: string; data: Uint8Array }[]) =>
      failures-- > 0
        ? Promise.reject(new Error("session creation failed"))
        : createSession(bytes, { externalData }),
    derived: new Map(),
  };
  await assert.rejects(() => gradientRunner(model, "logit"), {
    message: "session creation failed",
  });
  assert.equal(model.derived.size, 0, "not remembered");
  const runner = await gradientRunner(model, "logit");
  assert.deepEqual([runner.hidden, runner.vocabSize], [config.n_embd, config.vocab_size]);
  assert.equal(await gradientRunner(model, "logit"), runner, "remembered once built");
});
