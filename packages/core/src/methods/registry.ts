/**
 * Every attribution method glassbox knows, by id, registered explicitly: the set `explain()` runs.
 * Importing this module imports every method; an app that wants fewer imports their files and hands
 * them to `createExplainer` (explainer.ts), and a bundler then leaves the others out (the README
 * gives the sizes, `scripts/bundle_size.ts` measures them).
 *
 * @module
 */
import { methodSet } from "./define.ts";
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

const all = methodSet(METHODS);

/** The ids of the registered methods. */
export const METHOD_IDS: readonly string[] = all.ids;

/**
 * Looks a method up by id.
 *
 * @throws UnknownMethodError listing the known ids.
 */
export function getMethod(id: string): MethodSpec {
  return all.get(id);
}
