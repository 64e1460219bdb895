/**
 * Every attribution method glassbox knows, by id. Registered explicitly here (tree-shakable: apps
 * that import one method's file get only that method).
 *
 * @module
 */
import { UnknownMethodError } from "../errors.ts";
import type { MethodSpec } from "./types.ts";
import { occlusion } from "./occlusion.ts";
import { shapleySampling } from "./shapley_sampling.ts";
import { kernelShap } from "./kernel_shap.ts";
import { lime } from "./lime.ts";
import { saliency } from "./saliency.ts";
import { gradientXInput } from "./gradient_x_input.ts";
import { integratedGradients } from "./integrated_gradients.ts";
import { smoothgrad } from "./smoothgrad.ts";
import { gradientShap } from "./gradient_shap.ts";
import { attention, attentionFlow, attentionRollout } from "./attention.ts";
import { neurons } from "./neurons.ts";
import { logitLens } from "./logit_lens.ts";

/** The registered methods, in the order they are listed to users. */
export const METHODS: readonly MethodSpec[] = Object.freeze([
  integratedGradients,
  gradientXInput,
  saliency,
  smoothgrad,
  gradientShap,
  occlusion,
  shapleySampling,
  kernelShap,
  lime,
  attention,
  attentionRollout,
  attentionFlow,
  neurons,
  logitLens,
]);

const byId = new Map(METHODS.map((m) => [m.id, m]));

/** The ids of the registered methods. */
export const METHOD_IDS: readonly string[] = Object.freeze(METHODS.map((m) => m.id));

/**
 * Looks a method up by id.
 *
 * @throws UnknownMethodError listing the known ids.
 */
export function getMethod(id: string): MethodSpec {
  const method = byId.get(id);
  if (!method) throw new UnknownMethodError(String(id), METHOD_IDS);
  return method;
}
