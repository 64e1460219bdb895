/**
 * The text blocks of a picture: the header (model, method, target and contrast) and the bars of the
 * top-k predictions, which name and quote labels the same way.
 *
 * @module
 */
import type { Explanation } from "@glassbox/core/explanation";
import { INK, type Item, MUTED } from "./display_list.ts";
import type { Typesetter } from "./typesetter.ts";

const TARGET_BAR = "#4477aa";
const OTHER_BAR = "#9e9e9e";

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

/** Header lines: model, method, target and contrast. Returns items and the y below them. */
export function header(
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
export function predictionBars(
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
