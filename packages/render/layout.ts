/**
 * The geometry of an explanation picture: where the header, the legend, each token chip, the top-k
 * bars and the attention heatmap go, one below the other. The layout is a display list
 * (`display_list.ts`) of rectangles and text runs with their measured widths; `svg.ts` serializes
 * it, `png.ts` rasterizes that SVG, and tests read the chip boxes to know where to look in the
 * pixels. The parts are drawn by `header_bars.ts`, `chips.ts` and `heatmap.ts`, with text measured
 * by `typesetter.ts`.
 *
 * @module
 */

import type { Explanation } from "@glassbox/core/explanation";
import { flowChips, legend, truncationNotice } from "./chips.ts";
import { type ChipBox, INK, type Item, type Layout, MUTED, type RectItem } from "./display_list.ts";
import { registeredFontChain } from "./fonts.ts";
import { header, predictionBars } from "./header_bars.ts";
import { attentionHeatmap } from "./heatmap.ts";
import { formatScore, maxAbsScore } from "./palette.ts";
import { checkRenderOptions, type RenderOptions } from "./render_options.ts";
import { Typesetter } from "./typesetter.ts";
import { displayUnits } from "./units.ts";

const PAD = 16;
const SANS = "'DejaVu Sans', sans-serif";

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
  const o = checkRenderOptions(options);
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
  const o = checkRenderOptions({ maxLines: 4, ...options });
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
