/**
 * The per-model memo of derived graphs and sessions (gradient graphs, the tapped graph, the logit lens,
 * the position head), kept in `model.derived` and released with the model. Concurrent callers share one
 * build.
 *
 * One failure policy for all of them. A build reads nothing but the model, so a refusal glassbox raises
 * about the model's graph ({@link UnsupportedOpError}, {@link InputError}: an op with no gradient rule,
 * no residual stream to cut, no word embedding) will be raised again by every rebuild: it is
 * remembered, and later calls get the same error at once. Any other failure (onnxruntime failing to
 * create a session, memory, a cache file that cannot be read) may not recur: it is forgotten, and the
 * next call builds again.
 *
 * @module
 */
import { InputError, UnsupportedOpError } from "./errors.ts";
import type { Model } from "./model.ts";

/** Is this failure a deterministic refusal of the model (remembered) rather than a transient one? */
export function isUnsupported(error: unknown): boolean {
  return error instanceof UnsupportedOpError || error instanceof InputError;
}

/**
 * The derived artefact of a model under `key`, built on first use.
 *
 * @param model The model whose `derived` map holds the memo.
 * @param key What is derived, e.g. `gradient:logit`; one key, one artefact.
 * @param build Builds it from the model alone.
 * @returns The shared promise; see the module doc for which failures are remembered.
 */
export function memoDerived<T>(
  model: Pick<Model, "derived">,
  key: string,
  build: () => Promise<T>,
): Promise<T> {
  const known = model.derived.get(key) as Promise<T> | undefined;
  if (known) return known;
  // Called inside an async function, so a build that throws synchronously still gives a promise.
  const entry = (async () => await build())();
  model.derived.set(key, entry);
  entry.catch((error) => {
    if (!isUnsupported(error) && model.derived.get(key) === entry) model.derived.delete(key);
  });
  return entry;
}
