import assert from "node:assert/strict";
import { explain, type Model, OnnxGraph } from "@glassbox/core";
import { cascadingRandomization, layerGroups, sanityCheck } from "./sanity.ts";
import { loadToy, TOYS } from "./_toys.ts";

const TEXT = "the film was wonderful and the music was lovely but the ending felt dull";

Deno.test("layerGroups: head, then layers from the top, then embeddings", async () => {
  const model = await loadToy("mlp-tiny");
  try {
    const groups = layerGroups(OnnxGraph.parse(model.onnx));
    assert.deepEqual(groups.map((g) => [g.name, g.initializers]), [
      ["head", ["classifier.weight", "classifier.bias"]],
      ["layer 1", ["layer.1.dense.weight", "layer.1.dense.bias"]],
      ["layer 0", ["layer.0.dense.weight", "layer.0.dense.bias"]],
      ["embeddings", ["embeddings.word_embeddings.weight"]],
    ]);
    // 8 x 2 + 2, 8 x 8 + 8 twice, vocabulary x 8.
    assert.deepEqual(groups.map((g) => g.parameters), [18, 72, 72, 8 * model.tokenizer.vocabSize]);
  } finally {
    await model.release();
  }
});

Deno.test("layerGroups: without layer names, each weight top down, then the embedding lookup", async () => {
  const bytes = await Deno.readFile(new URL("attn-tiny/onnx/model.onnx", TOYS));
  const groups = layerGroups(OnnxGraph.parse(bytes)).map((g) => g.name);
  assert.equal(groups.length, 7);
  assert.deepEqual(groups.slice(0, 3), ["classifier.weight", "classifier.bias", "out.bias"]);
  assert.equal(groups.at(-1), "embeddings");
});

/** The strawman of the issue: each token's word-embedding norm, which ignores every layer above. */
function embeddingNorm(model: Model, ids: readonly number[]): number[] {
  const graph = OnnxGraph.parse(model.onnx);
  const gather = graph.nodes.find((n) => n.op_type === "Gather" && n.input![1] === "input_ids")!;
  const { data, dims } = graph.readFloat32(gather.input![0]);
  return ids.map((id) => Math.hypot(...data.subarray(id * dims[1], (id + 1) * dims[1])));
}

Deno.test("sanity check: the embedding-norm method fails, occlusion passes", async () => {
  const model = await loadToy("mlp-tiny");
  try {
    const { tokens } = await explain(model, TEXT, { method: "occlusion" });
    const ids = tokens.map((t) => t.id);
    const keep = tokens.flatMap((t, i) => (t.special ? [] : [i]));
    const broken = await cascadingRandomization(
      model,
      (m) => Promise.resolve(embeddingNorm(m, ids)),
      { keep },
    );
    assert.equal(broken.passed, false);
    assert.equal(broken.verdictStep, 2);
    assert.equal(
      broken.reason,
      "the attribution did not change with head, layer 1, layer 0 randomized",
    );
    assert.deepEqual(broken.steps.map((s) => s.spearman.toFixed(3)).slice(0, 3), [
      "1.000",
      "1.000",
      "1.000",
    ]);
    // Only the last step, which randomizes the embeddings, moves it.
    assert.ok(broken.steps[3].maxChange > 0.1);

    const occlusion = await sanityCheck(model, TEXT, { method: "occlusion" });
    assert.equal(occlusion.passed, true, occlusion.reason);
    assert.equal(occlusion.steps.length, 4);
    assert.equal(occlusion.steps[2].spearmanRuns.length, 3);
    assert.ok(occlusion.steps[2].spearman < 0.5, String(occlusion.steps[2].spearman));
    assert.match(
      occlusion.reason,
      /^the attribution changed with head, layer 1, layer 0 randomized: Spearman -?0\.\d+ < 0.5$/,
    );
  } finally {
    await model.release();
  }
});

Deno.test("sanity check: integrated gradients passes", async () => {
  const model = await loadToy("mlp-tiny");
  try {
    const report = await sanityCheck(model, TEXT, {
      method: "integrated-gradients",
      params: { steps: 16 },
    });
    assert.equal(report.passed, true, report.reason);
    // Measured: about 0.1 with the head and both layers random (threshold 0.5).
    assert.ok(Math.abs(report.steps[2].spearman) < 0.3, String(report.steps[2].spearman));
  } finally {
    await model.release();
  }
});

Deno.test("sanity check: a graph without weights is refused", async () => {
  const model = await loadToy("bow-linear");
  try {
    const graph = OnnxGraph.parse(model.onnx);
    graph.model.graph!.initializer = graph.model.graph!.initializer!.filter((t) =>
      t.name!.startsWith("axis")
    );
    await assert.rejects(
      () =>
        cascadingRandomization({ ...model, onnx: graph.serialize() }, () => Promise.resolve([0])),
      {
        name: "RangeError",
        message:
          `Cannot run the sanity check on ${model.id}: its graph has no float weights to randomize`,
      },
    );
  } finally {
    await model.release();
  }
});
