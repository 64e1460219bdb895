/** Round trips of the ONNX codec and the editing helpers. */
import assert from "node:assert/strict";
import { attr, getAttribute, OnnxGraph, readTensor } from "./graph.ts";
import { DataType, decodeModel, encodeModel } from "./proto.ts";

const OPTIMUM = new URL(
  "../../../../testdata/models/optimum-tiny-distilbert/onnx/model.onnx",
  import.meta.url,
);

Deno.test("onnx codec: a real export round-trips byte for byte, raw_data is not copied", async () => {
  const bytes = await Deno.readFile(OPTIMUM);
  const model = decodeModel(bytes);
  assert.equal(model.graph!.node!.length, 190);
  const embedding = model.graph!.initializer!.find((i) =>
    i.name === "distilbert.embeddings.word_embeddings.weight"
  )!;
  assert.deepEqual(embedding.dims, [30522, 2]);
  assert.equal(embedding.raw_data!.buffer, bytes.buffer);
  assert.deepEqual(encodeModel(model), bytes);
});

Deno.test("onnx graph: INT64_MAX survives, names stay unique, tensors read back", () => {
  const g = new OnnxGraph({
    ir_version: 8,
    opset_import: [{ domain: "", version: 9 }],
    graph: { name: "g" },
  });
  g.addInput("x", DataType.FLOAT, ["batch", 4]);
  const w = g.addInitializer("w", new Float32Array([1, 2, 3, 4]), [4]);
  const [y] = g.addNode("Slice", ["x"], 1, {
    starts: attr.ints([1]),
    ends: attr.ints([9223372036854775807n]),
  });
  const [z] = g.addNode("Mul", [y, w]);
  g.addOutput(z, DataType.FLOAT);
  assert.notEqual(g.uniqueName("w"), "w");
  const back = OnnxGraph.parse(g.serialize());
  assert.equal(back.opset(), 9);
  assert.equal(back.opset("com.microsoft"), 0);
  const slice = back.findNodes((n) => n.op_type === "Slice")[0];
  assert.equal(slice.attribute![1].ints![0], 9223372036854775807n);
  assert.deepEqual(getAttribute(slice, "starts"), [1]);
  assert.deepEqual(back.readFloat32(w).data, new Float32Array([1, 2, 3, 4]));
  assert.equal(back.producer(z)?.op_type, "Mul");
  assert.deepEqual(back.consumers(y).map((n) => n.op_type), ["Mul"]);
  assert.deepEqual(
    back.inputs.map((v) => v.type!.tensor_type!.shape!.dim!.map((d) => d.dim_param ?? d.dim_value)),
    [[
      "batch",
      4,
    ]],
  );
  assert.deepEqual(
    readTensor({
      name: "e",
      dims: [2],
      data_type: DataType.INT64,
      data_location: 1,
      external_data: [{ key: "location", value: "w.bin" }, { key: "offset", value: "8" }],
    }, [
      { path: "w.bin", data: new Uint8Array(new BigInt64Array([0n, 5n, -7n]).buffer) },
    ]),
    new BigInt64Array([5n, -7n]),
  );
});
