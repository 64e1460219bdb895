/**
 * The geometry of an explanation picture: where the header, the legend, each token chip, the top-k
 * bars and the attention heatmap go. The layout is a display list of rectangles and text runs with
 * their measured widths; `svg.ts` serializes it, `png.ts` rasterizes that SVG, and tests read the
 * chip boxes to know where to look in the pixels.
 *
 * Text is measured with the registered fonts' real advance widths (see `font_metrics.ts`); a
 * character that no font covers is drawn as a small labelled box instead of an empty glyph.
 *
 * @module
 */

import type { Explanation } from "@glassbox/core/explanation";
import { estimateWidth, type FontChain, MISSING_GLYPH_EM } from "./font_metrics.ts";
import { registeredFontChain } from "./fonts.ts";
import {
  formatScore,
  maxAbsScore,
  mix,
  type Rgb,
  rgbToHex,
  scoreColor,
  textColorOn,
} from "./palette.ts";
import { type DisplayUnit, displayUnits, type Level } from "./units.ts";

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

const PAD = 16;
const INK = "#1a1a1a";
const MUTED = "#4d4d4d";
const SPECIAL_TEXT = "#404040";
const CHIP_STROKE = "#b3b3b3";
const TARGET_BAR = "#4477aa";
const OTHER_BAR = "#9e9e9e";
const HEAT_HIGH: Rgb = { r: 0x33, g: 0x22, b: 0x88 };
const WHITE: Rgb = { r: 255, g: 255, b: 255 };
const SANS = "'DejaVu Sans', sans-serif";

/** Measures and draws text with a font chain, or estimates when none is registered. */
class Typesetter {
  constructor(readonly chain: FontChain | undefined) {}

  width(text: string, size: number): number {
    return this.chain ? this.chain.measure(text, size) : estimateWidth(text, size);
  }

  /** Cuts text with "…" so it fits `max` px. */
  fit(text: string, size: number, max: number): string {
    if (this.width(text, size) <= max) return text;
    const chars = [...text];
    while (chars.length > 1 && this.width(chars.join("") + "…", size) > max) chars.pop();
    return chars.join("") + "…";
  }

  /** Text items (and boxes for characters no font has) for one line starting at x. */
  draw(
    x: number,
    y: number,
    text: string,
    size: number,
    style: Omit<TextItem, "kind" | "x" | "y" | "spans" | "size">,
  ): Item[] {
    if (!this.chain) return [{ kind: "text", x, y, spans: [{ text, font: 0 }], size, ...style }];
    const items: Item[] = [];
    const runs = this.chain.runs(text, size);
    const anchor = style.anchor ?? "start";
    const total = runs.reduce((w, r) => w + r.width, 0);
    let cx = anchor === "start" ? x : anchor === "middle" ? x - total / 2 : x - total;
    let pending: { x: number; spans: TextSpan[]; width: number } | undefined;
    const flush = () => {
      if (pending) {
        const { x, spans, width } = pending;
        items.push({ kind: "text", x, y, spans, size, ...style, width });
      }
      pending = undefined;
    };
    for (const run of runs) {
      if (run.font < 0) {
        flush();
        // A visible stand-in: a dashed box as wide as the placeholder advance, per character.
        const box = size * MISSING_GLYPH_EM;
        for (const _ of run.text.replace(/[\u200d\ufe0f\ufe0e]/g, "")) {
          items.push({
            kind: "rect",
            x: cx + size * 0.08,
            y: y - size * 0.78,
            width: box - size * 0.16,
            height: size * 0.9,
            fill: "none",
            stroke: style.fill,
            dashed: true,
            radius: 1.5,
          });
          cx += box;
        }
        continue;
      }
      pending ??= { x: cx, spans: [], width: 0 };
      pending.spans.push({ text: run.text, font: run.font });
      pending.width += run.width;
      cx += run.width;
    }
    flush();
    if (anchor !== "start") {
      for (const item of items) if (item.kind === "text") item.anchor = "start";
    }
    return items;
  }
}

function checkOptions(o: RenderOptions): Required<Omit<RenderOptions, "fonts">> {
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

/** "p = 0.934" with 3 decimals; tiny ones in scientific notation, near-certain ones "p > 0.999". */
function probability(p: number): string {
  if (p >= 0.9995 && p < 1) return "p > 0.999";
  return `p = ${p > 0 && p < 0.001 ? p.toExponential(1) : p.toFixed(3)}`;
}

/**
 * A label as text: a causal LM's labels are token strings and are always quoted (so "." and " the"
 * read as tokens); a classifier's are quoted only when whitespace would otherwise be invisible.
 */
function quoteLabel(label: string, task: Explanation["model"]["task"]): string {
  const quote = task === "text-generation" || /^\s|\s$/.test(label) || label === "";
  return quote ? JSON.stringify(label) : label;
}

/** The chip geometry for one run of units: flowed left to right, wrapped at `right`. */
function flowChips(
  ts: Typesetter,
  units: DisplayUnit[],
  maxAbs: number,
  left: number,
  right: number,
  top: number,
  size: number,
  maxLines: number,
): { items: Item[]; chips: ChipBox[]; bottom: number; hidden: number } {
  const items: Item[] = [];
  const chips: ChipBox[] = [];
  const chipH = Math.round(size * 1.6);
  const lineH = chipH + Math.round(size * 0.45);
  const padX = Math.round(size * 0.3);
  const wordGap = Math.round(size * 0.55);
  const pieceGap = 2;
  let x = left;
  let line = 0;
  let hidden = 0;
  let forceBreak = false;
  for (let u = 0; u < units.length; u++) {
    const unit = units[u];
    const label = ts.fit(unit.label, size, right - left - 2 * padX);
    const w = ts.width(label, size) + 2 * padX;
    const gap = x === left ? 0 : unit.spaceBefore ? wordGap : pieceGap;
    if (forceBreak || (x > left && x + gap + w > right)) {
      line++;
      x = left;
    } else {
      x += gap;
    }
    forceBreak = unit.breakAfter;
    if (line >= maxLines) {
      hidden = units.length - u;
      break;
    }
    const y = top + line * lineH;
    const color = scoreColor(unit.score, maxAbs);
    // Special tokens are dimmed: their colour is washed out and their text grey and italic.
    const fill = unit.special ? mix(color, WHITE, 0.65) : color;
    const textColor = unit.special ? SPECIAL_TEXT : textColorOn(fill);
    const fillHex = rgbToHex(fill);
    const tokenNote = unit.tokens[0] === unit.tokens[1]
      ? `token ${unit.tokens[0]}`
      : `tokens ${unit.tokens[0]}-${unit.tokens[1]}`;
    items.push({
      kind: "rect",
      x,
      y,
      width: w,
      height: chipH,
      fill: fillHex,
      stroke: CHIP_STROKE,
      dashed: unit.special,
      radius: 3,
      title: `${unit.label}: ${formatScore(unit.score)} (${tokenNote}${
        unit.special ? ", special" : ""
      })`,
    });
    items.push(
      ...ts.draw(x + padX, y + chipH / 2 + size * 0.36, label, size, {
        fill: textColor,
        italic: unit.special,
      }),
    );
    chips.push({
      unit: u,
      tokens: unit.tokens,
      label,
      score: unit.score,
      special: unit.special,
      x,
      y,
      width: w,
      height: chipH,
      fill: fillHex,
      textColor,
    });
    x += w;
  }
  const lines = chips.length === 0 ? 0 : Math.min(line, maxLines - 1) + 1;
  return { items, chips, bottom: top + lines * lineH, hidden };
}

/** The colour scale legend: a bar from -max to +max with captions, right-aligned at `right`. */
function legend(ts: Typesetter, max: string, right: number, top: number, what: string): Item[] {
  const items: Item[] = [];
  const barW = 180;
  const x0 = right - barW;
  items.push({ kind: "rect", x: x0, y: top + 14, width: barW, height: 10, fill: SCALE_GRADIENT });
  items.push({
    kind: "rect",
    x: x0,
    y: top + 14,
    width: barW,
    height: 10,
    fill: "none",
    stroke: CHIP_STROKE,
  });
  items.push(...ts.draw(x0 + barW / 2, top + 10, what, 11, { fill: MUTED, anchor: "middle" }));
  // All scores zero: the ends of the scale are 0 too, without a sign.
  const [low, high] = max === "0" ? ["0", "0"] : [`-${max}`, `+${max}`];
  items.push(...ts.draw(x0, top + 37, low, 11, { fill: MUTED }));
  items.push(...ts.draw(x0 + barW / 2, top + 37, "0", 11, { fill: MUTED, anchor: "middle" }));
  items.push(...ts.draw(right, top + 37, high, 11, { fill: MUTED, anchor: "end" }));
  items.push(...ts.draw(x0, top + 50, "against", 10, { fill: MUTED }));
  items.push(...ts.draw(right, top + 50, "toward target", 10, { fill: MUTED, anchor: "end" }));
  return items;
}

/** Header lines: model, method, target and contrast. Returns items and the y below them. */
function header(
  ts: Typesetter,
  e: Explanation,
  left: number,
  maxW: number,
  top: number,
  showMethod: boolean,
): { items: Item[]; bottom: number } {
  const items: Item[] = [];
  let y = top + 16;
  items.push(
    ...ts.draw(left, y, ts.fit(e.model.id, 16, maxW), 16, { fill: INK, weight: "bold" }),
  );
  y += 20;
  if (showMethod) {
    const method = `method: ${e.method.id} · output: ${e.method.output}`;
    items.push(...ts.draw(left, y, ts.fit(method, 12, maxW), 12, { fill: MUTED }));
    y += 18;
  }
  let target = `target: ${quoteLabel(e.target.label, e.model.task)} (${
    probability(e.target.probability)
  })`;
  if (e.contrast) {
    target += `  vs contrast: ${quoteLabel(e.contrast.label, e.model.task)} (${
      probability(e.contrast.probability)
    })`;
  }
  items.push(...ts.draw(left, y, ts.fit(target, 13, maxW), 13, { fill: INK }));
  return { items, bottom: y + 10 };
}

/** Horizontal bars for the top-k predictions. */
function predictionBars(
  ts: Typesetter,
  e: Explanation,
  topK: number,
  left: number,
  right: number,
  top: number,
): { items: Item[]; bottom: number } {
  const items: Item[] = [];
  const preds = e.predictions.slice(0, topK);
  if (preds.length === 0) return { items, bottom: top };
  let y = top + 14;
  items.push(...ts.draw(left, y, "Top predictions", 13, { fill: INK, weight: "bold" }));
  y += 10;
  const labelOf = (p: typeof preds[number]) => {
    const shown = quoteLabel(p.label, e.model.task);
    const role = p.id === e.target.id ? " (target)" : p.id === e.contrast?.id ? " (contrast)" : "";
    return shown + role;
  };
  const labelW = Math.min(
    (right - left) * 0.4,
    Math.max(...preds.map((p) => ts.width(labelOf(p), 12))) + 10,
  );
  const barMax = right - left - labelW - 60;
  for (const p of preds) {
    const isTarget = p.id === e.target.id;
    const label = ts.fit(labelOf(p), 12, labelW - 10);
    items.push(
      ...ts.draw(left + labelW - 8, y + 13, label, 12, {
        fill: INK,
        anchor: "end",
        weight: isTarget ? "bold" : undefined,
      }),
    );
    const w = Math.max(1, barMax * Math.max(0, Math.min(1, p.probability)));
    items.push({
      kind: "rect",
      x: left + labelW,
      y: y + 3,
      width: w,
      height: 13,
      fill: isTarget ? TARGET_BAR : OTHER_BAR,
      title: `${p.label}: ${probability(p.probability)}, logit ${p.logit.toFixed(3)}`,
    });
    items.push(
      ...ts.draw(left + labelW + w + 6, y + 14, `${(p.probability * 100).toFixed(1)}%`, 11, {
        fill: MUTED,
      }),
    );
    y += 20;
  }
  return { items, bottom: y + 4 };
}

/** A token x token heatmap of the attention matrix (rows attend to columns). */
function attentionHeatmap(
  ts: Typesetter,
  e: Explanation,
  left: number,
  right: number,
  top: number,
): { items: Item[]; bottom: number } {
  const items: Item[] = [];
  const matrix = e.attention!.matrix;
  const n = matrix.length;
  let y = top + 14;
  const a = e.attention!;
  const what = [
    `Attention (${a.kind}`,
    a.layer !== undefined ? `, layer ${a.layer}` : "",
    a.head !== undefined ? `, head ${a.head}` : "",
    "): rows attend to columns",
  ].join("");
  items.push(...ts.draw(left, y, what, 13, { fill: INK, weight: "bold" }));
  y += 8;
  if (n === 0 || matrix.some((row) => row.length !== n)) {
    throw new RangeError(
      `Cannot draw attention: the matrix must be square (n x n), got ${n} rows of lengths ${
        [...new Set(matrix.map((r) => r.length))].join(", ")
      }`,
    );
  }
  if (n > 160) {
    items.push(
      ...ts.draw(left, y + 16, `(${n} x ${n} is too large to draw here)`, 12, { fill: MUTED }),
    );
    return { items, bottom: y + 24 };
  }
  const units = displayUnits(e, "token");
  const labels = Array.from({ length: n }, (_, i) => units[i]?.label ?? String(i));
  const labelSize = 10;
  const labelW = Math.min(110, Math.max(...labels.map((l) => ts.width(l, labelSize))) + 6);
  const cell = Math.max(3, Math.min(20, Math.floor((right - left - labelW) / n)));
  const showLabels = cell >= 9;
  const gridX = left + (showLabels ? labelW : 0);
  const gridY = y + (showLabels ? labelW : 4);
  let max = 0;
  for (const row of matrix) for (const v of row) if (Number.isFinite(v) && v > max) max = v;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = matrix[r][c];
      const t = max > 0 && Number.isFinite(v) ? Math.max(0, v) / max : 0;
      items.push({
        kind: "rect",
        x: gridX + c * cell,
        y: gridY + r * cell,
        width: cell,
        height: cell,
        fill: rgbToHex(mix(WHITE, HEAT_HIGH, t)),
        title: showLabels ? `${labels[r]} -> ${labels[c]}: ${v.toFixed(3)}` : undefined,
      });
    }
  }
  items.push({
    kind: "rect",
    x: gridX,
    y: gridY,
    width: n * cell,
    height: n * cell,
    fill: "none",
    stroke: CHIP_STROKE,
  });
  if (showLabels) {
    for (let i = 0; i < n; i++) {
      const l = ts.fit(labels[i], labelSize, labelW - 6);
      const mid = i * cell + cell / 2 + labelSize * 0.35;
      items.push(...ts.draw(gridX - 4, gridY + mid, l, labelSize, { fill: INK, anchor: "end" }));
      items.push(...ts.draw(gridX + mid, gridY - 4, l, labelSize, { fill: INK, rotate: -90 }));
    }
  }
  const scaleY = gridY + n * cell + 8;
  for (let i = 0; i < 20; i++) {
    items.push({
      kind: "rect",
      x: gridX + i * 6,
      y: scaleY,
      width: 6.5,
      height: 8,
      fill: rgbToHex(mix(WHITE, HEAT_HIGH, (i + 0.5) / 20)),
    });
  }
  items.push(...ts.draw(gridX + 126, scaleY + 8, `0 … ${max.toFixed(2)}`, 10, { fill: MUTED }));
  return { items, bottom: scaleY + 14 };
}

function truncationNotice(ts: Typesetter, hidden: number, level: Level, left: number, y: number) {
  const noun = level === "word"
    ? (hidden === 1 ? "word" : "words")
    : hidden === 1
    ? "token"
    : "tokens";
  return ts.draw(left, y + 14, `… ${hidden} more ${noun} not shown`, 12, {
    fill: MUTED,
    italic: true,
  });
}

function finish(
  ts: Typesetter,
  width: number,
  bottom: number,
  items: Item[],
  chips: ChipBox[],
  hidden: number,
): Layout {
  const fonts = ts.chain?.fonts ?? [];
  const used = new Set([0]);
  for (const item of items) {
    if (item.kind === "text") {
      for (const s of item.spans) used.add(s.font);
    }
  }
  return {
    width,
    height: Math.ceil(bottom + PAD),
    items,
    chips,
    hiddenUnits: hidden,
    fontFamily: ts.chain ? ts.chain.cssFamily : SANS,
    fallbackFamilies: fonts.map((f) => f.family),
    fontsUsed: [...used].filter((i) => i >= 0).sort((a, b) => a - b),
  };
}

/**
 * Lays out one explanation: header, legend, token chips, top-k bars, attention heatmap.
 *
 * @param explanation The explanation to draw.
 * @param options Size, level, line limit; see {@link RenderOptions}.
 * @returns The display list and the chip boxes.
 * @throws {RangeError} On out-of-range options or a scores/tokens length mismatch.
 */
export function layoutExplanation(explanation: Explanation, options: RenderOptions = {}): Layout {
  const o = checkOptions(options);
  const ts = new Typesetter(options.fonts ?? registeredFontChain());
  const right = o.width - PAD;
  const units = displayUnits(explanation, o.level);
  const maxAbs = maxAbsScore(units.map((u) => u.score));
  const items: Item[] = [{ kind: "rect", x: 0, y: 0, width: o.width, height: 0, fill: "#ffffff" }];
  const legendW = 190;
  const head = header(ts, explanation, PAD, right - PAD - legendW - 12, PAD - 4, true);
  items.push(...head.items);
  items.push(
    ...legend(ts, maxAbs > 0 ? formatScore(maxAbs).slice(1) : "0", right, PAD - 4, "score"),
  );
  let y = Math.max(head.bottom, PAD + 52) + 8;
  const flow = flowChips(ts, units, maxAbs, PAD, right, y, o.fontSize, o.maxLines);
  items.push(...flow.items);
  y = flow.bottom;
  if (flow.hidden > 0) {
    items.push(...truncationNotice(ts, flow.hidden, o.level, PAD, y));
    y += 22;
  }
  if (o.topK > 0 && explanation.predictions.length > 0) {
    const bars = predictionBars(ts, explanation, o.topK, PAD, right, y + 4);
    items.push(...bars.items);
    y = bars.bottom;
  }
  if (o.attention && explanation.attention) {
    const heat = attentionHeatmap(ts, explanation, PAD, right, y + 6);
    items.push(...heat.items);
    y = heat.bottom;
  }
  const layout = finish(ts, o.width, y, items, flow.chips, flow.hidden);
  (items[0] as RectItem).height = layout.height;
  return layout;
}

/**
 * Lays out several explanations of the same text side by side: one row of chips per method, each
 * row scaled to its own max |score| (methods' scores have different units).
 *
 * @param explanations Two or more explanations of the same text and tokens.
 * @param options As for {@link layoutExplanation}; `maxLines` counts per row (default 4).
 * @throws {RangeError} When the list is empty or the explanations are of different texts.
 */
export function layoutComparison(
  explanations: readonly Explanation[],
  options: RenderOptions = {},
): Layout {
  if (explanations.length === 0) {
    throw new RangeError("Cannot compare explanations: the list is empty, give at least one");
  }
  const first = explanations[0];
  for (const [i, e] of explanations.entries()) {
    if (e.text !== first.text || e.tokens.length !== first.tokens.length) {
      throw new RangeError(
        `Cannot compare explanations: #${i} explains a different text or tokenization than #0; all must share the text and tokens`,
      );
    }
  }
  const o = checkOptions({ maxLines: 4, ...options });
  const ts = new Typesetter(options.fonts ?? registeredFontChain());
  const right = o.width - PAD;
  const items: Item[] = [{ kind: "rect", x: 0, y: 0, width: o.width, height: 0, fill: "#ffffff" }];
  const legendW = 190;
  const head = header(ts, first, PAD, right - PAD - legendW - 12, PAD - 4, false);
  items.push(...head.items);
  items.push(...legend(ts, "max", right, PAD - 4, "score / row max"));
  let y = Math.max(head.bottom, PAD + 52) + 8;
  const labelW = Math.min(170, Math.round(o.width * 0.22));
  const chips: ChipBox[] = [];
  let hidden = 0;
  for (const e of explanations) {
    const units = displayUnits(e, o.level);
    const maxAbs = maxAbsScore(units.map((u) => u.score));
    items.push({ kind: "rect", x: PAD, y: y - 4, width: right - PAD, height: 1, fill: "#dddddd" });
    const name = ts.fit(e.method.id, 13, labelW - 8);
    items.push(...ts.draw(PAD, y + 15, name, 13, { fill: INK, weight: "bold" }));
    items.push(
      ...ts.draw(
        PAD,
        y + 30,
        ts.fit(`max |s| ${formatScore(maxAbs).slice(1)}`, 10, labelW - 8),
        10,
        {
          fill: MUTED,
        },
      ),
    );
    const flow = flowChips(ts, units, maxAbs, PAD + labelW, right, y, o.fontSize, o.maxLines);
    items.push(...flow.items);
    chips.push(...flow.chips);
    y = Math.max(flow.bottom, y + 36);
    if (flow.hidden > 0) {
      items.push(...truncationNotice(ts, flow.hidden, o.level, PAD + labelW, y - 6));
      y += 18;
      hidden = Math.max(hidden, flow.hidden);
    }
    y += 8;
  }
  const layout = finish(ts, o.width, y, items, chips, hidden);
  (items[0] as RectItem).height = layout.height;
  return layout;
}
