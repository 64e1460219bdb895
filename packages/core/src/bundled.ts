/**
 * The demo models that ship in `models/` and make glassbox work offline after `npm ci`. A frozen list:
 * short name -> directory next to the repository root.
 *
 * @module
 */

/** Short names of the bundled models; the first is the default. */
export const BUNDLED_MODELS: readonly string[] = Object.freeze([
  "distilbert-sentiment",
  "gpt2-tiny",
]);

/** The default model for apps. */
export const DEFAULT_MODEL = BUNDLED_MODELS[0];

/** The URL of a bundled model's directory. */
export function bundledModelBase(name: string): URL {
  return new URL(`../../../models/${name}/`, import.meta.url);
}
