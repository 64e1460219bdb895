/**
 * The finite-difference harness of the gradient rule tests: a one-op graph y = op(x, ...) is
 * differentiated for J = sum(seed * y) and compared with (J(x + h e_i) - J(x - h e_i)) / 2h computed
 * from forward runs. float32 throughout (onnxruntime-web lacks float64 kernels for several ops), with
 * h = 1e-2: truncation and rounding errors stay near 1e-4 relative, so the bound below is 2e-3 while a
 * wrong rule is off by order one.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type AttributeValue, OnnxGraph } from "../onnx/graph.ts";
import { DataType } from "../onnx/proto.ts";
import { createSession, type TensorData } from "../session.ts";
import { differentiate } from "./builder.ts";
import { probe } from "./probe.ts";

const TOLERANCE = 2e-3;

/** xorshift-based uniform numbers, seeded, so failures reproduce. */
function random(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export interface Case {
  name: string;
  opset?: number;
  /** Float inputs: dims and value range. */
  inputs: Record<string, { dims: number[]; low?: number; high?: number }>;
  /** Integer inputs (indices, shapes), fed as int64 constants. */
  ints?: Record<string, { dims: number[]; values: number[] }>;
  /** Builds the graph from input names; returns the output name. */
  build(g: OnnxGraph, opset: number): string;
  /** Inputs to differentiate (default: every float input). */
  wrt?: string[];
}

export function emptyModel(opset: number): OnnxGraph {
  return new OnnxGraph({
    ir_version: 8,
    opset_import: [{ domain: "", version: opset }],
    producer_name: "glassbox-test",
    graph: { name: "case", node: [], initializer: [], input: [], output: [] },
  });
}

export async function check(c: Case): Promise<void> {
  const opset = c.opset ?? 17;
  const rand = random(c.name.length * 7919 + opset);
  const forward = emptyModel(opset);
  const feeds: Record<string, TensorData> = {};
  for (const [name, spec] of Object.entries(c.inputs)) {
    const size = spec.dims.reduce((a, b) => a * b, 1);
    const low = spec.low ?? -1, high = spec.high ?? 1;
    feeds[name] = {
      type: "float32",
      data: Float32Array.from({ length: size }, () => low + (high - low) * rand()),
      dims: spec.dims,
    };
    forward.addInput(name, DataType.FLOAT, spec.dims);
  }
  for (const [name, spec] of Object.entries(c.ints ?? {})) {
    forward.model.graph!.initializer!.push({
      name,
      dims: spec.dims,
      data_type: DataType.INT64,
      raw_data: new Uint8Array(BigInt64Array.from(spec.values.map(BigInt)).buffer),
    });
  }
  const y = c.build(forward, opset);
  forward.addOutput(y);
  const open = (bytes: Uint8Array) => createSession(bytes);
  const fwdSession = await open(forward.serialize());
  const base = (await fwdSession.run(feeds))[y];
  const seed: TensorData = {
    type: "float32",
    data: Float32Array.from({ length: base.data.length }, () => rand() * 2 - 1),
    dims: base.dims,
  };
  const objective = async (f: Record<string, TensorData>) => {
    const out = (await fwdSession.run(f))[y].data as Float32Array;
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += out[i] * (seed.data as Float32Array)[i];
    return sum;
  };

  for (const wrt of c.wrt ?? Object.keys(c.inputs)) {
    const graph = OnnxGraph.parse(forward.serialize());
    const info = await probe(graph, feeds, open);
    graph.addInput("seed", DataType.FLOAT, base.dims);
    info.set("seed", { elemType: DataType.FLOAT, dims: [...base.dims] });
    const grad = differentiate(graph, { seeds: [{ tensor: y, grad: "seed" }], wrt, info });
    graph.model.graph!.output = [{ name: grad }];
    const session = await open(graph.serialize());
    const analytic = (await session.run({ ...feeds, seed }))[grad];
    await session.release();
    assert.deepEqual(analytic.dims, feeds[wrt].dims, `${c.name}: gradient shape for ${wrt}`);
    const x = feeds[wrt].data as Float32Array;
    const h = 1e-2;
    let err = 0, norm = 0;
    for (let i = 0; i < x.length; i++) {
      const plus = x.slice(), minus = x.slice();
      plus[i] += h;
      minus[i] -= h;
      const fd = ((await objective({ ...feeds, [wrt]: { ...feeds[wrt], data: plus } })) -
        (await objective({ ...feeds, [wrt]: { ...feeds[wrt], data: minus } }))) / (2 * h);
      const a = (analytic.data as Float32Array)[i];
      err += (a - fd) ** 2;
      norm += fd ** 2;
    }
    const rel = Math.sqrt(err) / Math.max(Math.sqrt(norm), 1e-3);
    assert.ok(
      rel < TOLERANCE,
      `${c.name}: d/d${wrt} relative L2 error ${rel.toExponential(2)} >= ${TOLERANCE}`,
    );
  }
  await fwdSession.release();
}

export const unary = (
  op: string,
  dims: number[],
  extra: Partial<Case> = {},
  attributes: Record<string, AttributeValue> = {},
): Case => ({
  name: `${op} [${dims}]`,
  inputs: { x: { dims } },
  build: (g) => g.addNode(op, ["x"], 1, attributes)[0],
  ...extra,
});

export const binary = (op: string, a: number[], b: number[], extra: Partial<Case> = {}): Case => ({
  name: `${op} [${a}] [${b}]`,
  inputs: { a: { dims: a }, b: { dims: b } },
  build: (g) => g.addNode(op, ["a", "b"])[0],
  ...extra,
});
