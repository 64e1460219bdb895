import assert from "node:assert/strict";
import {
  type DeclaredInput,
  feedRows,
  feedsFor,
  findWordEmbedding,
  isConstant,
  planFeeds,
} from "./feeds.ts";
import { OnnxGraph } from "./onnx/graph.ts";
import { DataType } from "./onnx/proto.ts";
import { createSession } from "./session.ts";
import { loadModel } from "./model.ts";

const ids2d = (name: string, type = "int64"): DeclaredInput => ({
  name,
  type,
  shape: ["batch_size", "sequence_length"],
});

Deno.test("planFeeds gives every input its role and declared type, and refuses what it cannot fill", () => {
  const plan = planFeeds(
    [
      ids2d("input_ids", "int32"),
      ids2d("attention_mask"),
      ids2d("token_type_ids"),
      ids2d("position_ids"),
      { name: "past_key_values.0.key", type: "float16", shape: ["batch_size", 2, "past_seq", 4] },
      { name: "past_3", type: "float32", shape: [2, "batch", 2, "past_sequence_length", 4] },
      { name: "use_cache_branch", type: "bool", shape: [1] },
      { name: "glassbox_target", type: "int64", shape: ["batch"] },
    ],
    "model toy",
    new Set(["glassbox_target"]),
  );
  assert.deepEqual(plan.inputs, [
    { name: "input_ids", role: "ids", type: "int32" },
    { name: "attention_mask", role: "mask", type: "int64" },
    { name: "token_type_ids", role: "token-types", type: "int64" },
    { name: "position_ids", role: "positions", type: "int64" },
    { name: "past_key_values.0.key", role: "past", type: "float16", axes: ["batch", 2, "past", 4] },
    { name: "past_3", role: "past", type: "float32", axes: [2, "batch", 2, "past", 4] },
    { name: "use_cache_branch", role: "cache-branch", type: "bool" },
  ]);
  assert.throws(() => planFeeds([ids2d("input_ids"), ids2d("pixel_values")], "model toy"), {
    name: "TypeError",
    message:
      'Cannot feed model toy: its graph takes an input "pixel_values" glassbox does not know how to feed (known: input_ids, attention_mask, token_type_ids, position_ids, use_cache_branch, past_key_values.N.key/value, past_N)',
  });
  assert.throws(() => planFeeds([ids2d("input_ids", "float32")], "model toy"), {
    name: "TypeError",
    message:
      'Cannot feed model toy: its input "input_ids" is declared as float32; glassbox feeds it as int64 or int32',
  });
  assert.throws(
    () =>
      planFeeds([{ name: "past.0.key", type: "float32", shape: ["heads", "past"] }], "model toy"),
    {
      name: "TypeError",
      message:
        'Cannot feed model toy: its input "past.0.key" has a dimension "heads" that is neither a batch nor a sequence axis, so its empty past cannot be shaped',
    },
  );
});

Deno.test("feedRows right-pads rows and derives positions from the mask", () => {
  const plan = planFeeds(
    [ids2d("input_ids", "int32"), ids2d("attention_mask"), ids2d("position_ids")],
    "model toy",
  );
  const feeds = feedRows(plan, { rows: [[5, 6, 7], [8]], pad: 9 });
  assert.deepEqual(feeds.input_ids, {
    type: "int32",
    dims: [2, 3],
    data: new Int32Array([5, 6, 7, 8, 9, 9]),
  });
  assert.deepEqual(feeds.attention_mask.data, new BigInt64Array([1n, 1n, 1n, 1n, 0n, 0n]));
  // Padding repeats the row's last position.
  assert.deepEqual(feeds.position_ids.data, new BigInt64Array([0n, 1n, 2n, 0n, 0n, 0n]));
  // A masked token does not shift the ones after it; leading masked tokens sit at 0.
  const masked = feedRows(plan, { rows: [[5, 6, 7, 8]], pad: 0, masks: [[0, 1, 0, 1]] });
  assert.deepEqual(masked.attention_mask.data, new BigInt64Array([0n, 1n, 0n, 1n]));
  assert.deepEqual(masked.position_ids.data, new BigInt64Array([0n, 0n, 0n, 1n]));
  assert.throws(() => feedRows(plan, { rows: [[5, 6]], pad: 0, masks: [[1]] }), {
    name: "RangeError",
    message: "Cannot feed row 0: its mask has 1 entries for 2 tokens",
  });
});

Deno.test("onnxruntime accepts the planned feeds of a decoder with past inputs in every naming and dtype", async () => {
  const g = new OnnxGraph({
    ir_version: 8,
    opset_import: [{ domain: "", version: 17 }],
    graph: { name: "decoder", node: [], initializer: [], input: [], output: [] },
  });
  g.addInput("input_ids", DataType.INT32, ["batch_size", "sequence_length"]);
  g.addInput("attention_mask", DataType.INT64, ["batch_size", "total_sequence_length"]);
  g.addInput("position_ids", DataType.INT64, ["batch_size", "sequence_length"]);
  g.addInput("past_key_values.0.key", DataType.FLOAT16, [
    "batch_size",
    2,
    "past_sequence_length",
    4,
  ]);
  g.addInput("past_1", DataType.FLOAT, [2, "batch_size", 2, "past_sequence_length", 4]);
  g.addInput("use_cache_branch", DataType.BOOL, [1]);
  const outputs: [string, string][] = [
    ["ids", "input_ids"],
    ["positions", "position_ids"],
    ["key_shape", "past_key_values.0.key"],
    ["stacked_shape", "past_1"],
    ["branch", "use_cache_branch"],
    ["mask", "attention_mask"],
  ];
  for (const [out, input] of outputs) {
    const op = input.startsWith("past") ? "Shape" : "Identity";
    g.addNode(op, [input], [out]);
    g.addOutput(out);
  }
  const session = await createSession(g.serialize());
  try {
    const plan = planFeeds(session.inputs, "model toy");
    assert.deepEqual(plan.inputs.map((i) => [i.name, i.type]), [
      ["input_ids", "int32"],
      ["attention_mask", "int64"],
      ["position_ids", "int64"],
      ["past_key_values.0.key", "float16"],
      ["past_1", "float32"],
      ["use_cache_branch", "bool"],
    ]);
    const out = await session.run(feedRows(plan, { rows: [[3, 4], [5]], pad: 0 }));
    assert.deepEqual(out.ids.data, new Int32Array([3, 4, 5, 0]));
    assert.deepEqual(out.positions.data, new BigInt64Array([0n, 1n, 0n, 0n]));
    assert.deepEqual(out.key_shape.data, new BigInt64Array([2n, 2n, 0n, 4n]));
    assert.deepEqual(out.stacked_shape.data, new BigInt64Array([2n, 2n, 2n, 0n, 4n]));
    assert.deepEqual(out.branch.data, new Uint8Array([0]));
    assert.deepEqual(out.mask.data, new BigInt64Array([1n, 1n, 1n, 0n]));
  } finally {
    await session.release();
  }
});

Deno.test("findWordEmbedding finds GPT-2's token table, not its position table; isConstant sees through a Transpose", async () => {
  const model = await loadModel("gpt2-tiny");
  try {
    const graph = OnnxGraph.parse(model.onnx);
    const embedding = findWordEmbedding(graph)!;
    assert.equal(embedding.table.name, "transformer.wte.weight");
    assert.deepEqual(
      [embedding.vocab, embedding.width],
      [model.config.vocab_size, model.config.n_embd],
    );
    // The tied LM head reads the table through a Transpose: constant; the logits are not.
    const head = graph.producer("logits")!;
    assert.equal(isConstant(graph, head.input![1]), true);
    assert.equal(isConstant(graph, "logits"), false);
    assert.equal(isConstant(graph, "input_ids"), false);
    // feedsFor reads the model's own declared inputs.
    assert.deepEqual(Object.keys(feedsFor(model, [[1, 2]])), [
      "input_ids",
      "attention_mask",
      "position_ids",
    ]);
  } finally {
    await model.release();
  }
});
