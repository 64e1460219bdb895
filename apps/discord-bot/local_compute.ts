/**
 * Computing a reply in this thread: load the model, explain or predict, render the PNG and write
 * the summary. Errors become ephemeral replies that say why; the ones that are not the user's fault
 * are logged and reported without server details.
 *
 * @module
 */
import {
  explain as coreExplain,
  type Explanation,
  InputError,
  type Model,
  ModelLoadError,
  predict as corePredict,
  UnknownMethodError,
  UnsupportedOpError,
} from "@glassbox/core";
import { altText, explainSummary, predictSummary } from "./messages.ts";
import {
  type CheckedOptions,
  type Compute,
  type ComputeName,
  failure,
  INTERNAL_ERROR,
  type Reply,
} from "./reply.ts";

/** What {@link localCompute} needs. */
export interface ComputeDeps {
  /** Returns a loaded model by id (the caller caches). */
  loadModel: (id: string) => Promise<Model>;
  /** Rasterizes an explanation (`renderPng` of `@glassbox/render`). */
  renderPng: (explanation: Explanation) => Promise<Uint8Array>;
  /** Core's `explain`, or a wrapper of it. */
  explain?: typeof coreExplain;
  /** Core's `predict`, or a wrapper of it. */
  predict?: typeof corePredict;
  /** Longest computation before it is cancelled, in seconds. @default 60 */
  timeoutSeconds?: number;
  /** Where failures that are not the user's fault are reported. @default console.error */
  logError?: (message: string, error: unknown) => void;
}

/**
 * Computes replies in this thread: loads the model, explains or predicts, renders the PNG and
 * writes the summary; errors become ephemeral replies that say why.
 */
export function localCompute(deps: ComputeDeps): Compute {
  const explain = deps.explain ?? coreExplain;
  const predict = deps.predict ?? corePredict;
  const timeoutSeconds = deps.timeoutSeconds ?? 60;
  const log = deps.logError ?? ((message, error) => console.error(message, error));

  function reason(error: unknown): string {
    if (
      error instanceof InputError || error instanceof UnknownMethodError ||
      error instanceof UnsupportedOpError || error instanceof RangeError ||
      error instanceof TypeError && error.message.startsWith("Cannot run")
    ) {
      return error.message;
    }
    if (isAbort(error)) {
      return `it took longer than ${timeoutSeconds} s and was stopped; ` +
        `try a shorter text or the occlusion method`;
    }
    if (error instanceof ModelLoadError) {
      // The message names server paths: log it, tell the user only that the model is unavailable.
      log("Model failed to load:", error);
      return "the model could not be loaded on the server; try another model";
    }
    log("Command failed:", error);
    return INTERNAL_ERROR;
  }

  async function run(name: ComputeName, options: CheckedOptions): Promise<Reply> {
    const model = await deps.loadModel(options.model);
    const signal = AbortSignal.timeout(timeoutSeconds * 1000);
    if (name === "predict") {
      const result = await predict(model, options.text, { topK: 5, signal });
      return { content: predictSummary(result, options.model), ephemeral: false };
    }
    const explanation = await explain(model, options.text, {
      method: options.method,
      target: options.target,
      signal,
    });
    const png = await deps.renderPng(explanation);
    return {
      content: explainSummary(explanation, options.model),
      ephemeral: false,
      image: { name: "explanation.png", data: png, description: altText(explanation) },
    };
  }

  return async (name, options) => {
    try {
      return await run(name, options);
    } catch (error) {
      return failure(name, reason(error));
    }
  };
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}
