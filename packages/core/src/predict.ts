/**
 * The model's output for a text: top-k predictions with label (classifiers) or decoded token (causal
 * LMs), probability and logit, and the entropy of the distribution.
 *
 * @module
 */
import type { Prediction, Token } from "./explanation.ts";
import type { Model } from "./model.ts";
import { InputError } from "./errors.ts";
import { forwardLogits } from "./forward.ts";
import { entropy, softmax, topK } from "./scoring.ts";

/** The most characters a text may have. */
export const MAX_TEXT_CHARS = 10_000;

/** Options for {@link predict}. */
export interface PredictOptions {
  /** How many predictions to return (default 5, at most 100). */
  topK?: number;
  signal?: AbortSignal;
}

/** What {@link predict} returns. */
export interface PredictResult {
  model: { id: string; task: Model["task"]; architecture: string };
  text: string;
  tokens: Token[];
  /** Top-k, descending by probability. */
  predictions: Prediction[];
  /** Entropy of the full distribution, in nats. */
  entropy: number;
  /** The position whose output is shown (last token for causal LMs, 0 for classifiers). */
  position: number;
  diagnostics: { elapsedMs: number; backend: string };
}

/** The encoded text, checked against the model's limits. */
export interface CheckedInput {
  ids: number[];
  tokens: Token[];
}

/**
 * Tokenizes a text and checks it against the model's limits.
 *
 * @throws InputError for empty text, too many characters or too many tokens.
 */
export function encodeChecked(model: Model, text: unknown): CheckedInput {
  if (typeof text !== "string") throw new InputError(`Text must be a string, got ${typeof text}`);
  if (text.trim().length === 0) {
    throw new InputError("Text is empty: give at least one non-whitespace character");
  }
  if (text.length > MAX_TEXT_CHARS) {
    throw new InputError(`Text is ${text.length} characters long; the limit is ${MAX_TEXT_CHARS}`);
  }
  const { ids, tokens } = model.tokenizer.encode(text);
  if (ids.length > model.maxTokens) {
    throw new InputError(
      `Text is ${ids.length} tokens long, but model ${model.id} takes at most ${model.maxTokens} tokens ` +
        `(special tokens included); shorten the text`,
    );
  }
  if (ids.length === 0) throw new InputError("Text produced no tokens");
  return { ids, tokens };
}

/** The label of output `id`: the class label, or the decoded token. */
export function labelOf(model: Model, id: number): string {
  return model.task === "text-classification"
    ? (model.labels?.[id] ?? `LABEL_${id}`)
    : model.tokenizer.decode([id]);
}

/** Top-k predictions and entropy from one row of logits. */
export function predictionsFrom(
  model: Model,
  logits: Float32Array,
  k: number,
): { predictions: Prediction[]; entropy: number; probabilities: Float64Array } {
  const probabilities = softmax(logits);
  const predictions = topK(probabilities, k).map((id) => ({
    id,
    label: labelOf(model, id),
    probability: probabilities[id],
    logit: logits[id],
  }));
  return { predictions, entropy: entropy(probabilities), probabilities };
}

/** Checks a top-k value. */
export function checkTopK(k: unknown): number {
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > 100) {
    throw new RangeError(`"topK" must be an integer from 1 to 100, current value is ${String(k)}`);
  }
  return k;
}

/**
 * Predicts: for classifiers the label distribution, for causal LMs the next-token distribution.
 *
 * @example
 * ```ts ignore
 * const model = await loadModel("distilbert-sentiment");
 * const { predictions } = await predict(model, "What a wonderful day");
 * ```
 */
export async function predict(
  model: Model,
  text: string,
  options: PredictOptions = {},
): Promise<PredictResult> {
  const started = performance.now();
  const k = checkTopK(options.topK ?? 5);
  const { ids, tokens } = encodeChecked(model, text);
  const { logits } = await forwardLogits(model, [ids], { signal: options.signal });
  const { predictions, entropy } = predictionsFrom(model, logits, k);
  return {
    model: { id: model.id, task: model.task, architecture: model.architecture },
    text,
    tokens,
    predictions,
    entropy,
    position: model.task === "text-generation" ? ids.length - 1 : 0,
    diagnostics: {
      elapsedMs: performance.now() - started,
      backend: `onnxruntime-${model.backend}`,
    },
  };
}
