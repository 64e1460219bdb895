/**
 * Where the toy models and corpora of testdata/eval/ live (built by scripts/make_eval_toys.py), for
 * the tests and the benchmark.
 *
 * @module
 */
import { loadModel, type Model } from "@glassbox/core";

/** testdata/eval/ as a file URL ending in `/`. */
export const TOYS = new URL("../../testdata/eval/", import.meta.url);

/** Loads a toy model: `bow-linear` (exact attributions known) or `mlp-tiny` (layers, gradients). */
export function loadToy(name: "bow-linear" | "mlp-tiny"): Promise<Model> {
  return loadModel(new URL(`${name}/`, TOYS).href);
}
