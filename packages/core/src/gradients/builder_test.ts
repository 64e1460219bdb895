/**
 * Every gradient rule against central finite differences (the harness is in
 * `_finite_differences_testing.ts`), and the builder's refusals of ops it cannot differentiate.
 */
import assert from "node:assert/strict";
import { attr } from "../onnx/graph.ts";
import { DataType } from "../onnx/proto.ts";
import { createSession } from "../session.ts";
import { differentiate } from "./builder.ts";
import { probe } from "./probe.ts";
import { UnsupportedOpError } from "../errors.ts";
import { binary, type Case, check, emptyModel, unary } from "./_finite_differences_testing.ts";

const cases: Case[] = [
  binary("Add", [2, 3, 4], [2, 3, 4]),
  binary("Add", [2, 3, 4], [4]),
  binary("Add", [2, 1, 4], [3, 1]),
  binary("Sub", [2, 3, 4], [1, 3, 1]),
  binary("Mul", [2, 3, 4], [3, 4]),
  binary("Mul", [2, 3, 1], [2, 1, 4]),
  binary("Div", [2, 3, 4], [2, 3, 1], {
    inputs: { a: { dims: [2, 3, 4] }, b: { dims: [2, 3, 1], low: 0.5, high: 2 } },
  }),
  binary("Pow", [2, 3], [1], {
    inputs: { a: { dims: [2, 3], low: 0.5, high: 2 }, b: { dims: [1], low: 1.5, high: 2.5 } },
  }),
  {
    name: "Pow by a constant 2",
    inputs: { x: { dims: [2, 5] } },
    build: (g) => g.addNode("Pow", ["x", g.addInitializer("two", new Float32Array([2]), [])])[0],
  },
  {
    name: "Pow by a Constant node 1.5",
    inputs: { x: { dims: [2, 5], low: 0.5, high: 2 } },
    build: (g) => {
      const [c] = g.addNode("Constant", [], 1, {
        value: attr.tensor({ name: "c", dims: [], data_type: DataType.FLOAT, float_data: [1.5] }),
      });
      return g.addNode("Pow", ["x", c])[0];
    },
  },
  unary("Sqrt", [2, 5], { inputs: { x: { dims: [2, 5], low: 0.3, high: 2 } } }),
  unary("Erf", [3, 4]),
  unary("Tanh", [3, 4]),
  unary("Sigmoid", [3, 4]),
  unary("Relu", [3, 4], { inputs: { x: { dims: [3, 4], low: 0.1, high: 1 } } }),
  {
    name: "Relu on negatives",
    inputs: { x: { dims: [6], low: -1, high: -0.1 } },
    build: (g) => g.addNode("Mul", [g.addNode("Relu", ["x"])[0], "x"])[0],
  },
  unary("Exp", [2, 3]),
  unary("Log", [2, 3], { inputs: { x: { dims: [2, 3], low: 0.5, high: 2 } } }),
  unary("Neg", [2, 3]),
  unary("Reciprocal", [2, 3], { inputs: { x: { dims: [2, 3], low: 0.5, high: 2 } } }),
  unary("Identity", [2, 3]),
  unary("Softmax", [2, 3, 4]),
  unary("Softmax", [2, 3, 4], { name: "Softmax axis 1", opset: 13 }, { axis: attr.int(1) }),
  unary("Softmax", [2, 3, 4], { name: "Softmax opset 11 (coerced to 2-D)", opset: 11 }, {
    axis: attr.int(1),
  }),
  unary("LogSoftmax", [2, 5]),
  unary("Gelu", [2, 5], { opset: 20 }),
  unary("Gelu", [2, 5], { opset: 20, name: "Gelu tanh" }, { approximate: attr.string("tanh") }),
  unary("Transpose", [2, 3, 4], {}, { perm: attr.ints([1, 2, 0]) }),
  unary("Transpose", [2, 3], { name: "Transpose default" }),
  unary("Cast", [2, 3], {}, { to: attr.int(DataType.FLOAT) }),
  {
    name: "MatMul batched [2,3,4]x[2,4,5]",
    inputs: { a: { dims: [2, 3, 4] }, b: { dims: [2, 4, 5] } },
    build: (g) => g.addNode("MatMul", ["a", "b"])[0],
  },
  {
    name: "MatMul broadcast [2,2,3,4]x[4,5]",
    inputs: { a: { dims: [2, 2, 3, 4] }, b: { dims: [4, 5] } },
    build: (g) => g.addNode("MatMul", ["a", "b"])[0],
  },
  {
    name: "MatMul broadcast [1,3,4]x[2,4,2]",
    inputs: { a: { dims: [1, 3, 4] }, b: { dims: [2, 4, 2] } },
    build: (g) => g.addNode("MatMul", ["a", "b"])[0],
  },
  ...[[0, 0], [1, 0], [0, 1], [1, 1]].map(([tA, tB]): Case => ({
    name: `Gemm transA=${tA} transB=${tB}`,
    inputs: {
      a: { dims: tA ? [4, 3] : [3, 4] },
      b: { dims: tB ? [5, 4] : [4, 5] },
      c: { dims: [5] },
    },
    build: (g) =>
      g.addNode("Gemm", ["a", "b", "c"], 1, {
        alpha: attr.float(0.7),
        beta: attr.float(1.3),
        transA: attr.int(tA),
        transB: attr.int(tB),
      })[0],
  })),
  unary("ReduceMean", [2, 3, 4], { opset: 17 }, { axes: attr.ints([-1]) }),
  unary("ReduceMean", [2, 3, 4], { opset: 13, name: "ReduceMean keepdims=0 axes [0,2]" }, {
    axes: attr.ints([0, 2]),
    keepdims: attr.int(0),
  }),
  {
    name: "ReduceMean opset 18 (axes input)",
    opset: 18,
    inputs: { x: { dims: [2, 3, 4] } },
    ints: { axes: { dims: [1], values: [1] } },
    build: (g) => g.addNode("ReduceMean", ["x", "axes"], 1, { keepdims: attr.int(0) })[0],
  },
  {
    name: "ReduceSum opset 13",
    opset: 13,
    inputs: { x: { dims: [2, 3, 4] } },
    ints: { axes: { dims: [2], values: [0, -1] } },
    build: (g) => g.addNode("ReduceSum", ["x", "axes"])[0],
  },
  {
    name: "Reshape",
    inputs: { x: { dims: [2, 3, 4] } },
    ints: { shape: { dims: [3], values: [2, 3, 2, 2].slice(0, 3).concat([]) } },
    build: (g) =>
      g.addNode("Reshape", ["x", g.addInitializer("s", new BigInt64Array([6n, -1n]), [2])])[0],
  },
  unary("Flatten", [2, 3, 4], {}, { axis: attr.int(1) }),
  {
    name: "Squeeze/Unsqueeze opset 13",
    opset: 13,
    inputs: { x: { dims: [2, 1, 3] } },
    ints: { axes: { dims: [1], values: [1] } },
    build: (g) => g.addNode("Unsqueeze", [g.addNode("Squeeze", ["x", "axes"])[0], "axes"])[0],
  },
  {
    name: "Squeeze/Unsqueeze opset 11",
    opset: 11,
    inputs: { x: { dims: [2, 1, 3] } },
    build: (g) =>
      g.addNode("Unsqueeze", [g.addNode("Squeeze", ["x"], 1, { axes: attr.ints([1]) })[0]], 1, {
        axes: attr.ints([0]),
      })[0],
  },
  {
    name: "Expand [3,1] to [2,3,4]",
    inputs: { x: { dims: [3, 1] } },
    ints: { shape: { dims: [3], values: [2, 3, 4] } },
    build: (g) => g.addNode("Expand", ["x", "shape"])[0],
  },
  {
    name: "Where",
    inputs: { a: { dims: [2, 3] }, b: { dims: [3] } },
    build: (g) => {
      const cond = g.addInitializer(
        "cond",
        new Uint8Array([1, 0, 1, 0, 0, 1]),
        [2, 3],
        DataType.BOOL,
      );
      return g.addNode("Where", [cond, "a", "b"])[0];
    },
  },
  {
    name: "Concat axis 1",
    inputs: { a: { dims: [2, 3, 2] }, b: { dims: [2, 1, 2] } },
    build: (g) => g.addNode("Concat", ["a", "b", "a"], 1, { axis: attr.int(1) })[0],
  },
  {
    name: "Split opset 13 (one output unused)",
    opset: 13,
    inputs: { x: { dims: [2, 6] } },
    ints: { split: { dims: [3], values: [1, 2, 3] } },
    build: (g) => {
      const [p, , r] = g.addNode("Split", ["x", "split"], 3, { axis: attr.int(1) });
      return g.addNode("Concat", [r, p], 1, { axis: attr.int(1) })[0];
    },
  },
  {
    name: "Split opset 11 (attribute)",
    opset: 11,
    inputs: { x: { dims: [4, 3] } },
    build: (g) => {
      const [p, q] = g.addNode("Split", ["x"], 2, { axis: attr.int(0), split: attr.ints([1, 3]) });
      return g.addNode("Mul", [g.addNode("ReduceSum", [p], 1, { axes: attr.ints([0]) })[0], q])[0];
    },
  },
  {
    name: "Slice two axes, step 2 and a negative start",
    inputs: { x: { dims: [3, 6, 2] } },
    ints: {
      starts: { dims: [2], values: [-2, 0] },
      ends: { dims: [2], values: [3, 100] },
      axes: { dims: [2], values: [0, 1] },
      steps: { dims: [2], values: [1, 2] },
    },
    build: (g) => g.addNode("Slice", ["x", "starts", "ends", "axes", "steps"])[0],
  },
  {
    name: "Gather on an activation, repeated indices",
    inputs: { x: { dims: [2, 4, 3] } },
    ints: { idx: { dims: [3], values: [3, -1, 0] } },
    build: (g) => g.addNode("Gather", ["x", "idx"], 1, { axis: attr.int(1) })[0],
  },
  {
    name: "Gather a scalar index (the [CLS] pick)",
    inputs: { x: { dims: [2, 4, 3] } },
    build: (g) =>
      g.addNode("Gather", ["x", g.addInitializer("zero", new BigInt64Array([0n]), [])], 1, {
        axis: attr.int(1),
      })[0],
  },
  {
    name: "LayerNormalization",
    inputs: { x: { dims: [2, 3, 5] }, scale: { dims: [5] }, bias: { dims: [5] } },
    wrt: ["x"],
    build: (g) =>
      g.addNode("LayerNormalization", ["x", "scale", "bias"], 1, { epsilon: attr.float(1e-5) })[0],
  },
  {
    name: "LayerNormalization opset 18 over two axes",
    opset: 18,
    inputs: { x: { dims: [2, 3, 4] }, scale: { dims: [3, 4] }, bias: { dims: [3, 4] } },
    wrt: ["x"],
    build: (g) =>
      g.addNode("LayerNormalization", ["x", "scale", "bias"], 1, { axis: attr.int(1) })[0],
  },
  {
    name: "decomposed LayerNorm (opset 11 export)",
    opset: 11,
    inputs: { x: { dims: [2, 3, 6] } },
    build: (g) => {
      const mean = g.addNode("ReduceMean", ["x"], 1, { axes: attr.ints([-1]) })[0];
      const d = g.addNode("Sub", ["x", mean])[0];
      const two = g.addInitializer("two", new Float32Array([2]), []);
      const v =
        g.addNode("ReduceMean", [g.addNode("Pow", [d, two])[0]], 1, { axes: attr.ints([-1]) })[0];
      const eps = g.addInitializer("eps", new Float32Array([1e-5]), []);
      return g.addNode("Div", [d, g.addNode("Sqrt", [g.addNode("Add", [v, eps])[0]])[0]])[0];
    },
  },
  {
    name: "a shape path and a mask are pruned",
    opset: 14,
    inputs: { x: { dims: [2, 3] } },
    build: (g) => {
      const shape = g.addNode("Shape", ["x"])[0];
      const zeros = g.addNode("ConstantOfShape", [shape])[0];
      const mask = g.addNode("Greater", ["x", zeros])[0];
      const masked = g.addNode("Where", [mask, "x", zeros])[0];
      return g.addNode("Mul", [masked, "x"])[0];
    },
  },
];

for (const c of cases) {
  Deno.test(`gradient rule: ${c.name}`, () => check(c));
}

Deno.test("gradient builder: a com.microsoft op on the path raises UnsupportedOpError naming it", () => {
  const g = emptyModel(17);
  g.model.opset_import!.push({ domain: "com.microsoft", version: 1 });
  g.addInput("x", DataType.FLOAT, [2, 3]);
  const [y] = g.addNode("FastGelu", ["x"], 1, {}, { domain: "com.microsoft", name: "fused_gelu" });
  g.addOutput(y);
  const info = new Map([["x", { elemType: DataType.FLOAT, dims: [2, 3] }], [y, {
    elemType: DataType.FLOAT,
    dims: [2, 3],
  }], [
    "seed",
    { elemType: DataType.FLOAT, dims: [2, 3] },
  ]]);
  assert.throws(
    () => differentiate(g, { seeds: [{ tensor: y, grad: "seed" }], wrt: "x", info }),
    (e: unknown) =>
      e instanceof UnsupportedOpError && e.opType === "FastGelu" && e.node === "fused_gelu" &&
      e.message ===
        'Cannot differentiate op FastGelu (node "fused_gelu"): operators of domain "com.microsoft" have no gradient rule; gradient methods are unavailable for this model, perturbation methods still work',
  );
});

Deno.test("gradient builder: a quantizing op on the path raises UnsupportedOpError", async () => {
  const g = emptyModel(17);
  g.addInput("x", DataType.FLOAT, [2, 3]);
  const [q, scale, zero] = g.addNode("DynamicQuantizeLinear", ["x"], 3, {}, { name: "quant" });
  const [y] = g.addNode("DequantizeLinear", [q, scale, zero]);
  g.addOutput(y);
  const info = await probe(g, {
    x: { type: "float32", data: new Float32Array(6).fill(0.5), dims: [2, 3] },
  }, (b) => createSession(b));
  assert.throws(
    () => differentiate(g, { seeds: [{ tensor: y, grad: "seed" }], wrt: "x", info }),
    (e: unknown) =>
      e instanceof UnsupportedOpError && e.opType === "DynamicQuantizeLinear" && e.node === "quant",
  );
});
