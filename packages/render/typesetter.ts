/**
 * Measuring and drawing text for the layout: widths from the registered fonts' real advances (an
 * estimate when none is registered), cutting with "…" to fit, and a small labelled box for a
 * character that no font covers instead of an empty glyph.
 *
 * @module
 */
import { estimateWidth, type FontChain, MISSING_GLYPH_EM } from "./font_metrics.ts";
import type { Item, TextItem, TextSpan } from "./display_list.ts";

/** Measures and draws text with a font chain, or estimates when none is registered. */
export class Typesetter {
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
