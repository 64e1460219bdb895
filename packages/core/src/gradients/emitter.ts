/**
 * Emits standard ONNX ops into a graph in the form its opset wants (axes as attributes or as inputs),
 * sharing scalar and vector constants between uses. The gradient rules and the gradient graph's
 * objective head both write through it.
 *
 * @module
 */
import { attr, type AttributeValue, type OnnxGraph } from "../onnx/graph.ts";
import { DataType } from "../onnx/proto.ts";

/** Appends standard ops to a graph, sharing the constants it makes. */
export class Emitter {
  readonly opset: number;
  #constants = new Map<string, string>();

  constructor(readonly g: OnnxGraph) {
    this.opset = g.opset("");
  }

  /** Appends one single-output node and returns its output. */
  op(
    type: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
  ): string {
    return this.g.addNode(type, inputs, 1, attributes, { name: `grad_${type}` })[0];
  }

  /** A scalar constant of the given float type (shared between uses). */
  scalar(value: number, elemType: number = DataType.FLOAT): string {
    return this.#constant(`s:${elemType}:${value}`, () =>
      this.g.addInitializer(
        "grad_const",
        elemType === DataType.DOUBLE ? new Float64Array([value]) : new Float32Array([value]),
        [],
      ));
  }

  /** A 1-D int64 constant. */
  ints(values: readonly number[]): string {
    return this.#constant(
      `i:${values.join(",")}`,
      () =>
        this.g.addInitializer("grad_ints", BigInt64Array.from(values.map(BigInt)), [values.length]),
    );
  }

  /** A scalar int64 constant. */
  scalarInt(value: number): string {
    return this.#constant(
      `si:${value}`,
      () => this.g.addInitializer("grad_int", new BigInt64Array([BigInt(value)]), []),
    );
  }

  #constant(key: string, make: () => string): string {
    let name = this.#constants.get(key);
    if (!name) {
      name = make();
      this.#constants.set(key, name);
    }
    return name;
  }

  /** ReduceSum/ReduceMean with axes as attribute or input, as the opset wants. */
  reduce(
    type: "ReduceSum" | "ReduceMean",
    x: string,
    axes: readonly number[],
    keepdims: boolean,
  ): string {
    const axesAsInput = type === "ReduceSum" ? this.opset >= 13 : this.opset >= 18;
    return axesAsInput
      ? this.op(type, [x, this.ints(axes)], { keepdims: attr.int(keepdims ? 1 : 0) })
      : this.op(type, [x], { axes: attr.ints(axes), keepdims: attr.int(keepdims ? 1 : 0) });
  }

  unsqueeze(x: string, axes: readonly number[]): string {
    return this.opset >= 13
      ? this.op("Unsqueeze", [x, this.ints(axes)])
      : this.op("Unsqueeze", [x], { axes: attr.ints(axes) });
  }
}
