/**
 * Graphs whose rows are coupled: where one row's output depends on the other rows of its batch. A
 * batched forward pass must give every row exactly what the model gives that row alone, or every
 * perturbation method silently returns wrong numbers. Standard transformer exports keep rows apart;
 * dynamically quantized ones do not: `DynamicQuantizeLinear` (onnxruntime's `quantize_dynamic`, the
 * `model_quantized.onnx` that transformers.js loads by default on WASM) takes one scale and zero point
 * over its whole input tensor, every row of the batch and every padded position included, and the
 * fused `DynamicQuantizeMatMul` / `DynamicQuantizeLSTM` do the same. A reduction with no axes (or axes
 * that are not constant, or that include the batch axis) mixes rows too.
 *
 * Such graphs are run one row per session run, each row unpadded, and no rewrite that changes the
 * tensors such an op sees (the last-position head) is applied: one run per row is the price of
 * numbers that are the model's own. (Rewriting the quantizer to per-row scales would batch again, but
 * per-row scales still differ from the shipped model's scale over an unpadded row only if padding is
 * present, so it would buy nothing while rows have different lengths; one row per run is exact.)
 *
 * @module
 */
import type { Model } from "./model.ts";
import { getAttribute, OnnxGraph, readTensor } from "./onnx/graph.ts";
import type { NodeProto, TensorProto } from "./onnx/proto.ts";

/** Ops that quantize with one scale over their whole input. */
const WHOLE_TENSOR_QUANTIZERS = new Set([
  "DynamicQuantizeLinear",
  "DynamicQuantizeMatMul",
  "DynamicQuantizeLSTM",
]);

const REDUCTIONS = new Set([
  "ReduceMean",
  "ReduceSum",
  "ReduceMax",
  "ReduceMin",
  "ReduceProd",
  "ReduceL1",
  "ReduceL2",
  "ReduceLogSum",
  "ReduceLogSumExp",
  "ReduceSumSquare",
]);

/** Why rows of a graph are coupled: the first node that couples them, or undefined if none does. */
export function rowCoupling(graph: OnnxGraph): string | undefined {
  const describe = (node: NodeProto, why: string) =>
    `${node.op_type} (node "${node.name ?? ""}") ${why}`;
  for (const node of allNodes(graph.findNodes(() => true))) {
    const op = node.op_type ?? "";
    if (WHOLE_TENSOR_QUANTIZERS.has(op)) {
      return describe(node, "quantizes with one scale over the whole batch");
    }
    if (REDUCTIONS.has(op) && reducesBatch(graph, node)) {
      return describe(node, "reduces over the batch axis");
    }
  }
  return undefined;
}

/** The nodes and, depth first, those of their subgraphs (the branches of `If`, loop bodies). */
function* allNodes(nodes: readonly NodeProto[]): Generator<NodeProto> {
  for (const node of nodes) {
    yield node;
    for (const a of node.attribute ?? []) {
      for (const sub of [a.g, ...(a.graphs ?? [])]) if (sub) yield* allNodes(sub.node ?? []);
    }
  }
}

/** Could this reduction reduce over axis 0 (the batch)? Axes it cannot read count as yes. */
function reducesBatch(graph: OnnxGraph, node: NodeProto): boolean {
  const axesInput = node.input?.[1];
  let axes: readonly number[] | undefined;
  if (axesInput) {
    const producer = graph.producer(axesInput);
    const tensor = graph.initializer(axesInput) ??
      (producer?.op_type === "Constant" ? getAttribute(producer, "value") : undefined);
    if (!tensor || typeof tensor !== "object" || Array.isArray(tensor)) return true;
    axes = Array.from(readTensor(tensor as TensorProto), Number);
  } else {
    const attribute = getAttribute(node, "axes");
    axes = Array.isArray(attribute) ? attribute : undefined;
  }
  if (!axes || axes.length === 0) {
    // No axes: every axis is reduced, unless noop_with_empty_axes makes it an identity.
    return getAttribute(node, "noop_with_empty_axes") !== 1;
  }
  return axes.some((axis) => axis === 0);
}

const known = new WeakMap<Model, string | undefined>();

/**
 * Why a model's rows are coupled, read once per model. The graph is parsed only when its bytes name a
 * whole-tensor quantizer, so forward passes parse nothing on ordinary models: in a browser page whose
 * Content-Security-Policy forbids code generation the ONNX decoder cannot run, and on-device
 * predictions and perturbations must work there. Reductions over the batch axis ({@link rowCoupling}
 * finds them in a parsed graph) are therefore not looked for here; no transformer export seen has one.
 */
export function modelRowCoupling(model: Model): string | undefined {
  if (!known.has(model)) known.set(model, couplingOf(model.onnx));
  return known.get(model);
}

function couplingOf(bytes: Uint8Array): string | undefined {
  const named = [...WHOLE_TENSOR_QUANTIZERS].find((name) => mentions(bytes, name));
  if (!named) return undefined;
  try {
    return rowCoupling(OnnxGraph.parse(bytes));
  } catch (error) {
    if (!((error as Error).cause instanceof EvalError)) throw error;
    return `${named} quantizes with one scale over the whole batch`;
  }
}

/** Does `bytes` contain the ASCII string `text`? */
function mentions(bytes: Uint8Array, text: string): boolean {
  const needle = new TextEncoder().encode(text);
  for (let at = bytes.indexOf(needle[0]); at >= 0; at = bytes.indexOf(needle[0], at + 1)) {
    if (at + needle.length > bytes.length) return false;
    let i = 1;
    while (i < needle.length && bytes[at + i] === needle[i]) i++;
    if (i === needle.length) return true;
  }
  return false;
}
