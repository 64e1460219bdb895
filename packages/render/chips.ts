/**
 * The token chips of a picture: units coloured by score and flowed into lines (special tokens
 * dimmed), the colour-scale legend that reads them, and the notice for chips past the line limit.
 *
 * @module
 */
import {
  CHIP_STROKE,
  type ChipBox,
  type Item,
  MUTED,
  SCALE_GRADIENT,
  WHITE,
} from "./display_list.ts";
import { formatScore, mix, rgbToHex, scoreColor, textColorOn } from "./palette.ts";
import type { Typesetter } from "./typesetter.ts";
import type { DisplayUnit, Level } from "./units.ts";

const SPECIAL_TEXT = "#404040";

/** The chip geometry for one run of units: flowed left to right, wrapped at `right`. */
export function flowChips(
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
export function legend(
  ts: Typesetter,
  max: string,
  right: number,
  top: number,
  what: string,
): Item[] {
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

/** "… 3 more words not shown" below the last line of chips. */
export function truncationNotice(
  ts: Typesetter,
  hidden: number,
  level: Level,
  left: number,
  y: number,
) {
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
