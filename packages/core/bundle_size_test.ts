/**
 * The explainer takes its methods by injection, so an app that imports only some method files ships
 * only those: checked on the modules esbuild puts into the bundles of `bundle_size.ts`.
 */
import assert from "node:assert/strict";
import { measureBundles } from "./bundle_size.ts";

const METHOD_FILES = [
  "integrated_gradients",
  "gradient_x_input",
  "saliency",
  "smoothgrad",
  "gradient_shap",
  "occlusion",
  "shapley_sampling",
  "kernel_shap",
  "lime",
  "attention",
  "neurons",
  "logit_lens",
];

/** The method files and the gradient machinery a bundle holds. */
function methodsIn(modules: readonly string[]): string[] {
  const found = METHOD_FILES.filter((m) => modules.includes(`packages/core/src/methods/${m}.ts`));
  if (modules.some((m) => m.startsWith("packages/core/src/gradients/"))) found.push("gradients/");
  return found;
}

Deno.test("a bundle holds the methods its explainer was given and no others", async () => {
  const sizes = Object.fromEntries((await measureBundles()).map((s) => [s.entry, s]));
  assert.deepEqual(methodsIn(sizes.all.modules), [...METHOD_FILES, "gradients/"]);
  assert.deepEqual(methodsIn(sizes.perturbation.modules), [
    "occlusion",
    "shapley_sampling",
    "kernel_shap",
    "lime",
  ]);
  assert.deepEqual(methodsIn(sizes.occlusion.modules), ["occlusion"]);
  assert.ok(sizes.occlusion.ownBytes < sizes.perturbation.ownBytes);
  assert.ok(sizes.perturbation.ownBytes < sizes.all.ownBytes);
  assert.ok(sizes.perturbation.totalBytes < sizes.all.totalBytes);
});
