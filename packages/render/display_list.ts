/**
 * What a layout is made of: a display list of rectangles and text runs with their measured widths,
 * the boxes where token chips went, and the picture that holds them. `layout.ts` and its parts build
 * it, `svg.ts` serializes it. The inks that several parts of the picture share are here too.
 *
 * @module
 */
import type { Rgb } from "./palette.ts";

/** The fill that names the diverging scale as a left-to-right gradient (see `svg.ts`). */
export const SCALE_GRADIENT = "url(#gb-burd)";

/** A filled rectangle (`fill` is a colour, "none" or {@link SCALE_GRADIENT}). `title` becomes a tooltip. */
export interface RectItem {
  kind: "rect";
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  stroke?: string;
  dashed?: boolean;
  radius?: number;
  title?: string;
}

/** A run of text that one font draws (`font` indexes the chain; -1 only inside missing boxes). */
export interface TextSpan {
  text: string;
  font: number;
}

/** A line of text at a baseline. */
export interface TextItem {
  kind: "text";
  x: number;
  y: number;
  spans: TextSpan[];
  size: number;
  fill: string;
  weight?: "bold";
  italic?: boolean;
  anchor?: "start" | "middle" | "end";
  /** Rotation in degrees about (x, y). */
  rotate?: number;
  /**
   * The measured width. Written as `textLength` so a viewer with other fonts (a browser without
   * DejaVu Sans) still fits the text to its chip instead of overflowing it.
   */
  width?: number;
}

/** One drawing instruction. */
export type Item = RectItem | TextItem;

/** Where a chip was drawn, for tests and image maps. */
export interface ChipBox {
  /** Index of the display unit (token index in token mode). */
  unit: number;
  tokens: [number, number];
  label: string;
  score: number;
  special: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  textColor: string;
}

/** A computed picture. */
export interface Layout {
  width: number;
  height: number;
  items: Item[];
  chips: ChipBox[];
  /** Units that did not fit in `maxLines` lines. */
  hiddenUnits: number;
  /** The CSS font-family list the text uses. */
  fontFamily: string;
  /** Family names by chain index, for spans drawn by a fallback font. */
  fallbackFamilies: string[];
  /** Chain indices of the fonts the text uses (the primary font always): what resvg must load. */
  fontsUsed: number[];
}

/** Text. */
export const INK = "#1a1a1a";
/** Captions and notes. */
export const MUTED = "#4d4d4d";
/** Outlines of chips, the legend bar and the heatmap. */
export const CHIP_STROKE = "#b3b3b3";
/** The light end of the colour mixes. */
export const WHITE: Rgb = { r: 255, g: 255, b: 255 };
