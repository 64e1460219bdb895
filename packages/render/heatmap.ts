/**
 * The attention heatmap of a picture: a token x token grid shaded from white to indigo by weight,
 * labelled with the tokens when the cells are large enough to read.
 *
 * @module
 */
import type { Explanation } from "@glassbox/core/explanation";
import { CHIP_STROKE, INK, type Item, MUTED, WHITE } from "./display_list.ts";
import { mix, type Rgb, rgbToHex } from "./palette.ts";
import type { Typesetter } from "./typesetter.ts";
import { displayUnits } from "./units.ts";

const HEAT_HIGH: Rgb = { r: 0x33, g: 0x22, b: 0x88 };

/** A token x token heatmap of the attention matrix (rows attend to columns). */
export function attentionHeatmap(
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
