/**
 * The errors a caller of glassbox is meant to catch. Misuse (a bad option value) throws the built-in
 * `TypeError` or `RangeError` with a message that says what was wrong and what is allowed; the classes
 * here mark conditions that apps map to exit codes and HTTP statuses.
 *
 * @module
 */

/** A method id that is not registered. The message lists the known ids. */
export class UnknownMethodError extends Error {
  override name = "UnknownMethodError";
  constructor(readonly id: string, readonly known: readonly string[]) {
    super(`Unknown method "${id}": known methods are ${known.join(", ")}`);
  }
}

/** An ONNX op the gradient builder cannot differentiate. */
export class UnsupportedOpError extends Error {
  override name = "UnsupportedOpError";
  constructor(readonly opType: string, readonly node: string, detail = "") {
    super(
      `Cannot differentiate op ${opType} (node "${node}")${detail ? `: ${detail}` : ""}; ` +
        `gradient methods are unavailable for this model, perturbation methods still work`,
    );
  }
}

/** A model that cannot be loaded. Names the file and the cause. */
export class ModelLoadError extends Error {
  override name = "ModelLoadError";
  constructor(readonly file: string, readonly reason: string, options?: ErrorOptions) {
    super(`Cannot load model file ${file}: ${reason}`, options);
  }
}

/** Input the model cannot take (empty text, too many tokens, a target it does not know). */
export class InputError extends Error {
  override name = "InputError";
}

/** The operation was cancelled through its AbortSignal. */
export class AbortError extends Error {
  override name = "AbortError";
  constructor(message = "The operation was aborted") {
    super(message);
  }
}
