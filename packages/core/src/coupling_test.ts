/**
 * Dynamically quantized models (testdata/models/*-int8, written by
 * scripts/make_quantized_fixtures.py as onnxruntime's quantize_dynamic writes them) couple the rows
 * of a batch. The reference here is onnxruntime itself, run one row at a time on feeds built by
 * hand; forwardLogits, predictions and occlusion must equal it, although batching the same rows
 * gives other numbers (checked first, so the tests below cannot pass by accident).
 */
import assert from "node:assert/strict";
import { explain } from "./explain.ts";
import { forwardLogits } from "./forward.ts";
import { loadModel, type Model } from "./model.ts";
import { rowCoupling } from "./coupling.ts";
import { OnnxGraph } from "./onnx/graph.ts";
import { UnsupportedOpError } from "./errors.ts";

const ROOT = new URL("../../../testdata/models/", import.meta.url);
const dir = (name: string) => new URL(name, ROOT).pathname;
const load = (name: string) => loadModel(dir(name), { variant: "model_quantized" });

/** The model run on one row, unpadded, with feeds written out here: logits at `position`. */
async function alone(
  model: Model,
  row: readonly number[],
  position: number,
): Promise<Float32Array> {
  const n = row.length;
  const int64 = (values: number[]) => ({
    type: "int64" as const,
    data: BigInt64Array.from(values, BigInt),
    dims: [1, n],
  });
  const feeds: Record<string, ReturnType<typeof int64>> = {
    input_ids: int64([...row]),
    attention_mask: int64(row.map(() => 1)),
  };
  if (model.session.inputs.some((i) => i.name === "position_ids")) {
    feeds.position_ids = int64(row.map((_, i) => i));
  }
  const out = (await model.session.run(feeds, ["logits"])).logits;
  const vocab = out.dims[out.dims.length - 1];
  const at = out.dims.length === 3 ? position : 0;
  return (out.data as Float32Array).slice(at * vocab, (at + 1) * vocab);
}

/** Every row batched together, right-padded, in one run (what forwardLogits must not do here). */
async function batched(model: Model, rows: number[][], pad: number): Promise<Float32Array[]> {
  const n = Math.max(...rows.map((r) => r.length));
  const tensor = (f: (r: number[], i: number) => number) => ({
    type: "int64" as const,
    data: BigInt64Array.from(
      rows.flatMap((r) => Array.from({ length: n }, (_, i) => BigInt(f(r, i)))),
    ),
    dims: [rows.length, n],
  });
  const out = (await model.session.run({
    input_ids: tensor((r, i) => r[i] ?? pad),
    attention_mask: tensor((r, i) => (i < r.length ? 1 : 0)),
  }, ["logits"])).logits;
  const vocab = out.dims[out.dims.length - 1];
  return rows.map((_, b) => (out.data as Float32Array).slice(b * vocab, (b + 1) * vocab));
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

Deno.test("rowCoupling names the quantizer of an int8 export and nothing in fp32 exports", () => {
  const graph = (name: string, file: string) =>
    OnnxGraph.parse(Deno.readFileSync(`${dir(name)}/onnx/${file}.onnx`));
  assert.equal(
    rowCoupling(graph("distilbert-tiny-int8", "model_quantized")),
    'DynamicQuantizeLinear (node "/layer.0/attention/q_lin/MatMul_q_DynamicQuantizeLinear") ' +
      "quantizes with one scale over the whole batch",
  );
  for (const name of ["distilbert-tiny-opset14", "gpt2-tiny-opset17", "optimum-tiny-distilbert"]) {
    assert.equal(rowCoupling(graph(name, "model")), undefined, name);
  }
});

Deno.test("an int8 classifier's rows, batched by forwardLogits, equal each row run alone", async () => {
  const model = await load("distilbert-tiny-int8");
  try {
    const { ids } = model.tokenizer.encode(
      "the film was not good at all, but the actors were great",
    );
    // Occlusion-style rows: the text with one token left out, and the whole text.
    const rows = [ids, ...ids.slice(1, -1).map((_, i) => ids.filter((_, j) => j !== i + 1))];
    const reference = await Promise.all(rows.map((r) => alone(model, r, 0)));
    const naive = await batched(model, rows, 0);
    const coupling = Math.max(...rows.map((_, i) => maxAbsDiff(naive[i], reference[i])));
    assert.ok(coupling > 1e-4, `batching these rows must change them (max diff ${coupling})`);
    const { logits, vocab } = await forwardLogits(model, rows);
    rows.forEach((_, i) => {
      const got = logits.subarray(i * vocab, (i + 1) * vocab);
      assert.ok(
        maxAbsDiff(got, reference[i]) <= 1e-6,
        `row ${i}: ${maxAbsDiff(got, reference[i])}`,
      );
    });
  } finally {
    await model.release();
  }
});

Deno.test("occlusion on an int8 classifier equals the drops computed from rows run alone", async () => {
  const model = await load("distilbert-tiny-int8");
  try {
    const text = "the film was not good at all, but the actors were great";
    const explanation = await explain(model, text, { method: "occlusion" });
    const { ids } = model.tokenizer.encode(text);
    const target = explanation.target.id;
    const full = (await alone(model, ids, 0))[target];
    for (let i = 0; i < ids.length; i++) {
      // Special tokens are never occluded: their score is 0.
      if (explanation.tokens[i].special) {
        assert.equal(explanation.scores[i], 0);
        continue;
      }
      const without = ids.filter((_, j) => j !== i);
      const expected = full - (await alone(model, without, 0))[target];
      assert.ok(
        Math.abs(explanation.scores[i] - expected) <= 1e-5,
        `token ${i}: ${explanation.scores[i]} vs ${expected}`,
      );
    }
    assert.match(
      explanation.diagnostics.notices?.join("\n") ?? "",
      /run one at a time.*DynamicQuantizeLinear/,
    );
  } finally {
    await model.release();
  }
});

Deno.test("an int8 causal LM predicts what the shipped graph gives at the last position", async () => {
  const model = await load("gpt2-tiny-int8");
  try {
    const prompts = ["The meaning of the word is", "A cat sat on", "Tomorrow we will go to the"];
    const rows = prompts.map((p) => model.tokenizer.encode(p).ids);
    const { logits, vocab } = await forwardLogits(model, rows);
    for (const [i, row] of rows.entries()) {
      const reference = await alone(model, row, row.length - 1);
      const got = logits.subarray(i * vocab, (i + 1) * vocab);
      assert.ok(maxAbsDiff(got, reference) <= 1e-6, `prompt ${i}: ${maxAbsDiff(got, reference)}`);
    }
  } finally {
    await model.release();
  }
});

Deno.test("gradient methods refuse an int8 model by naming its quantizer", async () => {
  const model = await load("distilbert-tiny-int8");
  try {
    await assert.rejects(
      explain(model, "not good", { method: "gradient-x-input" }),
      (error: unknown) =>
        error instanceof UnsupportedOpError &&
        /DynamicQuantizeLinear \(node "\/layer\.0\/attention\/q_lin\/MatMul_q_DynamicQuantizeLinear"\)/
          .test(error.message),
    );
  } finally {
    await model.release();
  }
});
