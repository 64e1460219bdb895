/**
 * What the widget needs from whoever computes explanations: the list of methods and one call that
 * explains a text with progress and cancellation. The remote backend (`remote.ts`) asks the HTTP API,
 * the on-device backend (`device.ts`) runs the core in the page; the view sees only this interface,
 * so both modes share every line of UI.
 *
 * @module
 */
import type { Explanation, MethodInfo, OptionSpec } from "@glassbox/core";

/** One option of a method, as `/v1/methods` lists it: core's spec. */
export type MethodOption = OptionSpec;

/** One method, as `/v1/methods` lists it: core's spec without `run`. */
export type { MethodInfo };

/** The request the widget sends: the body of `POST /v1/explain`. */
export interface ExplainRequest {
  text: string;
  model?: string;
  method?: string;
  target?: string;
  targetId?: number;
  contrastId?: number;
  params?: Record<string, unknown>;
}

/** Progress of a long method. */
export interface Progress {
  done: number;
  total: number;
}

/** Computes explanations for the widget. */
export interface Backend {
  /** The methods a user can pick. */
  methods(signal: AbortSignal): Promise<MethodInfo[]>;
  /** Explains a text; calls `onProgress` while a long method runs. */
  explain(
    request: ExplainRequest,
    signal: AbortSignal,
    onProgress: (progress: Progress) => void,
  ): Promise<Explanation>;
}

/** An error to show to the reader, with the API's code when there is one. */
export class WidgetError extends Error {
  override name = "WidgetError";
  constructor(message: string, readonly code = "error") {
    super(message);
  }
}
