/**
 * `explain()` and `warmUp()` over every registered method: the explainer most callers want. Apps
 * that need only some methods build theirs with `createExplainer` (explainer.ts) instead of importing
 * this module, which pulls in all of them.
 *
 * @module
 */
import type { Explanation } from "./explanation.ts";
import type { Model } from "./model.ts";
import { createExplainer, type ExplainOptions } from "./explainer.ts";
import { METHOD_IDS, METHODS } from "./methods/registry.ts";

export {
  createExplainer,
  type Explainer,
  type ExplainOptions,
  OUTPUTS,
  type Progress,
  resolveOutput,
} from "./explainer.ts";
export { METHOD_IDS };

const all = createExplainer(METHODS);

/**
 * Explains the model's prediction for a text.
 *
 * @param model A loaded model.
 * @param text The input text.
 * @param options Method, target, contrast, output, method options, progress and cancellation.
 * @returns The Explanation (`schemaVersion: 1`).
 * @throws UnknownMethodError, InputError, TypeError/RangeError for bad options, AbortError.
 */
export function explain(
  model: Model,
  text: string,
  options: ExplainOptions = {},
): Promise<Explanation> {
  return all.explain(model, text, options);
}

/**
 * Builds what the given methods need on first use (gradient graphs, tapped graphs, the position-head
 * graph of causal LMs) by explaining a short text once, so a server's first real request does not pay
 * for it. Methods the model cannot run (a graph that cannot be differentiated) are skipped.
 *
 * @param methods Default: integrated-gradients and attention-rollout.
 * @returns The methods that are ready.
 */
export function warmUp(model: Model, methods?: readonly string[]): Promise<string[]> {
  return all.warmUp(model, methods);
}
