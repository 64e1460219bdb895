/**
 * The Explanation: the one JSON document every method produces and every renderer and app consumes.
 * Its shape is a contract (`schemaVersion: 1`); `explanation.schema.json` beside this file is the same
 * contract as JSON Schema for other languages.
 *
 * @module
 */

/** The version of the Explanation JSON this code writes and reads. */
export const SCHEMA_VERSION = 1 as const;

/** What a model does, as read from its `config.json`. */
export type Task = "text-classification" | "text-generation";

/** The quantity a method explains. */
export type OutputKind = "logit" | "probability" | "log-probability";

/** One token of the input, with UTF-16 offsets into the text. Special tokens have `start === end`. */
export interface Token {
  id: number;
  text: string;
  start: number;
  end: number;
  special: boolean;
}

/** One of the model's top-k predictions. */
export interface Prediction {
  id: number;
  label: string;
  probability: number;
  logit: number;
}

/** What is explained: a class, or the next token at `position`. */
export interface Target {
  id: number;
  label: string;
  probability: number;
  /** The token position whose output is explained (the last real token for causal LMs, 0 for classifiers). */
  position: number;
}

/** The alternative in "why target rather than contrast". */
export interface Contrast {
  id: number;
  label: string;
  probability: number;
}

/** Subword pieces merged into one word. `tokens` is the inclusive range of token indices. */
export interface Word {
  text: string;
  start: number;
  end: number;
  tokens: [number, number];
  score: number;
}

/** Attention as a token x token matrix (rows attend to columns). */
export interface Attention {
  kind: "raw" | "rollout" | "flow";
  layer?: number;
  head?: number;
  matrix: number[][];
}

/** How the explanation was computed. */
export interface Diagnostics {
  elapsedMs: number;
  forwardPasses: number;
  backwardPasses: number;
  backend: string;
  /** Integrated gradients' completeness gap: sum(scores) - (f(x) - f(baseline)). */
  convergenceDelta?: number;
  /** Free-form notices, for example that the text was truncated to the model's positions. */
  notices?: string[];
  [key: string]: unknown;
}

/** The explanation of one prediction. */
export interface Explanation {
  schemaVersion: typeof SCHEMA_VERSION;
  model: { id: string; task: Task; architecture: string };
  text: string;
  tokens: Token[];
  predictions: Prediction[];
  target: Target;
  contrast?: Contrast;
  method: { id: string; output: OutputKind; params: Record<string, unknown> };
  /** One score per token; positive pushes toward the target. */
  scores: number[];
  words?: Word[];
  attention?: Attention;
  diagnostics: Diagnostics;
  /** Extra views some methods produce (neurons, logit lens). */
  views?: Record<string, unknown>;
}
