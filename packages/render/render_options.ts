/**
 * The options of the SVG and PNG pictures, and their check: out-of-range values are refused with a
 * message naming the option, its bounds and the value given.
 *
 * @module
 */
import type { FontChain } from "./font_metrics.ts";
import type { Level } from "./units.ts";

/** The picture widths the renderers draw, in px; callers that take a width check against these. */
export const WIDTH_RANGE: Readonly<{ min: number; max: number }> = Object.freeze({
  min: 240,
  max: 8000,
});

/** Options shared by the SVG and PNG renderers. */
export interface RenderOptions {
  /** Picture width in px. @default 800 */
  width?: number;
  /** Chips per token or per word. @default "token" */
  level?: Level;
  /** Token text size in px. @default 14 */
  fontSize?: number;
  /** Lines of chips before the rest is cut with a notice. @default 20 */
  maxLines?: number;
  /** How many predictions to draw as bars (0 hides them). @default 5 */
  topK?: number;
  /** Draw the attention heatmap when the explanation has a matrix. @default true */
  attention?: boolean;
  /** Fonts to measure with; defaults to the registered ones (estimated widths when none). */
  fonts?: FontChain;
}

/**
 * Fills in the defaults and checks the bounds.
 *
 * @throws {RangeError} On an out-of-range width, font size, line limit or top-k.
 */
export function checkRenderOptions(o: RenderOptions): Required<Omit<RenderOptions, "fonts">> {
  const width = o.width ?? 800;
  if (!(width >= WIDTH_RANGE.min && width <= WIDTH_RANGE.max)) {
    throw new RangeError(
      `Cannot render explanation: "width" must be between ${WIDTH_RANGE.min} and ${WIDTH_RANGE.max} px, current value is ${o.width}`,
    );
  }
  const fontSize = o.fontSize ?? 14;
  if (!(fontSize >= 6 && fontSize <= 72)) {
    throw new RangeError(
      `Cannot render explanation: "fontSize" must be between 6 and 72 px, current value is ${o.fontSize}`,
    );
  }
  const maxLines = o.maxLines ?? 20;
  if (!(Number.isInteger(maxLines) && maxLines >= 1)) {
    throw new RangeError(
      `Cannot render explanation: "maxLines" must be an integer >= 1, current value is ${o.maxLines}`,
    );
  }
  const topK = o.topK ?? 5;
  if (!(Number.isInteger(topK) && topK >= 0)) {
    throw new RangeError(
      `Cannot render explanation: "topK" must be an integer >= 0, current value is ${o.topK}`,
    );
  }
  return {
    width,
    fontSize,
    maxLines,
    topK,
    level: o.level ?? "token",
    attention: o.attention ?? true,
  };
}
