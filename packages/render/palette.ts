/**
 * The diverging colour scale every glassbox renderer shares (SVG, PNG, HTML, terminal, widget).
 *
 * Scores are mapped onto Paul Tol's colour-blind-safe BuRd scheme: blue for scores that push away
 * from the target, red for scores that push toward it, near-white for zero. The scale is symmetric:
 * `-maxAbs` and `+maxAbs` reach the two ends, so equal magnitudes get equal saturation whatever
 * their sign. Text on a chip is black or white, whichever contrasts more with the chip; with the
 * WCAG formula that choice is always at least 4.58:1 (the worst case is a chip whose luminance makes
 * both equal, sqrt(21)), above the 4.5:1 the guideline asks for normal text.
 *
 * @see https://personal.sron.nl/~pault/ (Paul Tol, "Colour Schemes", section on diverging schemes)
 * @see https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio
 *
 * @module
 */

/** An sRGB colour with 8-bit channels. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** Paul Tol's BuRd diverging scheme, from the most negative to the most positive end. */
export const BURD_STOPS: readonly string[] = Object.freeze([
  "#2166AC",
  "#4393C3",
  "#92C5DE",
  "#D1E5F0",
  "#F7F7F7",
  "#FDDBC7",
  "#F4A582",
  "#D6604D",
  "#B2182B",
]);

const STOPS: readonly Rgb[] = BURD_STOPS.map(hexToRgb);

/**
 * Parses `#rrggbb` into channels.
 *
 * @param hex A colour written as `#rrggbb`.
 * @returns The colour's channels.
 * @throws {TypeError} When the string is not `#rrggbb`.
 */
export function hexToRgb(hex: string): Rgb {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new TypeError(`Cannot parse colour "${hex}": expected #rrggbb`);
  return {
    r: parseInt(match[1], 16),
    g: parseInt(match[2], 16),
    b: parseInt(match[3], 16),
  };
}

/** Writes a colour as lowercase `#rrggbb`. */
export function rgbToHex({ r, g, b }: Rgb): string {
  return "#" + [r, g, b].map((c) => Math.round(c).toString(16).padStart(2, "0")).join("");
}

/**
 * The largest absolute value of a list of scores, the symmetric scale's half-range. Returns 0 for
 * an empty list or all zeros; non-finite scores are ignored.
 */
export function maxAbsScore(scores: readonly number[]): number {
  let max = 0;
  for (const s of scores) if (Number.isFinite(s) && Math.abs(s) > max) max = Math.abs(s);
  return max;
}

/**
 * Where a score sits on the scale, in [-1, 1] (0 when `maxAbs` is 0 or the score is not finite).
 */
export function normalizeScore(score: number, maxAbs: number): number {
  if (!(maxAbs > 0) || !Number.isFinite(score)) return 0;
  return Math.max(-1, Math.min(1, score / maxAbs));
}

/**
 * The colour of a score on the symmetric BuRd scale: linear interpolation between Tol's nine
 * stops, blue for negative, red for positive.
 *
 * @param score The attribution score.
 * @param maxAbs The largest |score| of the explanation (see {@link maxAbsScore}).
 * @returns The chip colour.
 * @example Usage
 * ```ts
 * import { scoreColor } from "./palette.ts";
 * scoreColor(1, 1); // { r: 178, g: 24, b: 43 } (Tol's darkest red)
 * ```
 */
export function scoreColor(score: number, maxAbs: number): Rgb {
  const t = (normalizeScore(score, maxAbs) + 1) / 2 * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(t));
  const f = t - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return {
    r: Math.round(a.r + (b.r - a.r) * f),
    g: Math.round(a.g + (b.g - a.g) * f),
    b: Math.round(a.b + (b.b - a.b) * f),
  };
}

/** {@link scoreColor} written as `#rrggbb`. */
export function scoreHex(score: number, maxAbs: number): string {
  return rgbToHex(scoreColor(score, maxAbs));
}

/** Mixes `color` with `other`: `amount` 0 gives `color`, 1 gives `other`. */
export function mix(color: Rgb, other: Rgb, amount: number): Rgb {
  return {
    r: Math.round(color.r + (other.r - color.r) * amount),
    g: Math.round(color.g + (other.g - color.g) * amount),
    b: Math.round(color.b + (other.b - color.b) * amount),
  };
}

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** WCAG 2.1 relative luminance of an sRGB colour, in [0, 1]. */
export function relativeLuminance({ r, g, b }: Rgb): number {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG 2.1 contrast ratio of two colours, in [1, 21]. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

const BLACK: Rgb = { r: 0, g: 0, b: 0 };
const WHITE: Rgb = { r: 255, g: 255, b: 255 };

/**
 * Black or white, whichever contrasts more with `background` (always >= 4.58:1).
 *
 * @param background The chip colour.
 * @returns `#000000` or `#ffffff`.
 */
export function textColorOn(background: Rgb): "#000000" | "#ffffff" {
  return contrastRatio(background, BLACK) >= contrastRatio(background, WHITE)
    ? "#000000"
    : "#ffffff";
}

/**
 * A signed score as short text with an explicit sign, so the sign never depends on colour alone:
 * `+0.42`, `-0.013`, `0.00`. Uses 2 significant decimals for |score| >= 0.1 and 2 significant
 * figures below, and scientific notation under 0.001.
 */
export function formatScore(score: number): string {
  if (!Number.isFinite(score)) return String(score);
  if (score === 0) return "0.00";
  const abs = Math.abs(score);
  const sign = score > 0 ? "+" : "-";
  let body: string;
  if (abs >= 0.1) body = abs.toFixed(2);
  else if (abs >= 0.001) body = abs.toPrecision(2);
  else body = abs.toExponential(1);
  return sign + body;
}
