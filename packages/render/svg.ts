/**
 * Explanation -> SVG: serializes the layout of `layout.ts` as a standalone SVG document. All user
 * text (tokens, labels, model ids) is XML-escaped, and characters XML 1.0 forbids (control
 * characters, lone surrogates that a byte-level token span can produce) become U+FFFD.
 *
 * @module
 */

import type { Explanation } from "@glassbox/core/explanation";
import type { Item, Layout } from "./display_list.ts";
import { layoutComparison, layoutExplanation } from "./layout.ts";
import type { RenderOptions } from "./render_options.ts";
import { BURD_STOPS } from "./palette.ts";

const INVALID_XML =
  // deno-lint-ignore no-control-regex -- the characters XML 1.0 forbids are control characters
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Escapes text for XML content and attribute values, replacing characters XML cannot carry.
 *
 * @param text Any string.
 * @returns The string with `& < > " '` escaped and invalid characters as U+FFFD.
 */
export function escapeXml(text: string): string {
  return text.replace(INVALID_XML, "\ufffd").replace(
    /[&<>"']/g,
    (c) =>
      c === "&"
        ? "&amp;"
        : c === "<"
        ? "&lt;"
        : c === ">"
        ? "&gt;"
        : c === '"'
        ? "&quot;"
        : "&#39;",
  );
}

/** Rounds coordinates to 0.01 px so the SVG stays short. */
function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function itemSvg(item: Item, layout: Layout): string {
  if (item.kind === "rect") {
    const attrs = [
      `x="${n(item.x)}" y="${n(item.y)}" width="${n(item.width)}" height="${n(item.height)}"`,
      `fill="${item.fill}"`,
    ];
    if (item.radius) attrs.push(`rx="${item.radius}"`);
    if (item.stroke) attrs.push(`stroke="${item.stroke}" stroke-width="1"`);
    if (item.dashed) attrs.push(`stroke-dasharray="3 2"`);
    const rect = `<rect ${attrs.join(" ")}`;
    return item.title ? `${rect}><title>${escapeXml(item.title)}</title></rect>` : `${rect}/>`;
  }
  const attrs = [`x="${n(item.x)}" y="${n(item.y)}" font-size="${item.size}" fill="${item.fill}"`];
  // Bold is drawn as a thin outline in the text colour: only the regular faces are bundled, resvg
  // does not synthesize bold, and the measured widths stay those of the regular face everywhere.
  if (item.weight === "bold") {
    attrs.push(
      `stroke="${item.fill}" stroke-width="${n(item.size * 0.045)}" stroke-linejoin="round"`,
    );
  }
  if (item.italic) attrs.push(`font-style="italic"`);
  if (item.width) attrs.push(`textLength="${n(item.width)}" lengthAdjust="spacingAndGlyphs"`);
  if (item.anchor && item.anchor !== "start") attrs.push(`text-anchor="${item.anchor}"`);
  if (item.rotate) attrs.push(`transform="rotate(${item.rotate} ${n(item.x)} ${n(item.y)})"`);
  // Runs a fallback font draws name that font, so resvg and browsers pick the font we measured.
  const body = item.spans.map((s) =>
    s.font > 0 && layout.fallbackFamilies[s.font]
      ? `<tspan font-family="'${escapeXml(layout.fallbackFamilies[s.font])}'">${
        escapeXml(s.text)
      }</tspan>`
      : escapeXml(s.text)
  ).join("");
  return `<text ${attrs.join(" ")}>${body}</text>`;
}

/** Serializes a layout as an SVG document. */
export function layoutToSvg(layout: Layout, title: string): string {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" ` +
    `viewBox="0 0 ${layout.width} ${layout.height}" role="img" ` +
    `font-family="${escapeXml(layout.fontFamily)}">`,
    `<title>${escapeXml(title)}</title>`,
    // The legend's scale: Tol's BuRd stops, evenly spaced, as the chips interpolate them.
    `<defs><linearGradient id="gb-burd">${
      BURD_STOPS.map((c, i) => `<stop offset="${i / (BURD_STOPS.length - 1)}" stop-color="${c}"/>`)
        .join("")
    }</linearGradient></defs>`,
  ];
  for (const item of layout.items) parts.push(itemSvg(item, layout));
  parts.push("</svg>");
  return parts.join("\n");
}

/** The SVG `<title>` of an explanation picture. */
export function describeExplanation(e: Explanation): string {
  return `${e.method.id} attributions of ${e.model.id} for target "${e.target.label}"`;
}

/**
 * Renders an explanation as an SVG document: header (model, method, target, contrast), a legend,
 * the text as coloured token chips wrapped to the width, the top-k predictions as bars, and the
 * attention heatmap when the explanation has one.
 *
 * Chip widths come from the fonts registered with `registerFonts`/`initRenderer`; without them
 * widths are estimated.
 *
 * @param explanation The explanation to draw.
 * @param options Width (default 800), level (`"token"` | `"word"`), maxLines, topK, attention.
 * @returns The SVG document.
 * @throws {RangeError} On bad options or an inconsistent explanation.
 * @example Usage
 * ```ts ignore
 * import { renderSvg } from "@glassbox/render";
 * const svg = renderSvg(explanation, { width: 640, level: "word" });
 * ```
 */
export function renderSvg(explanation: Explanation, options: RenderOptions = {}): string {
  return layoutToSvg(layoutExplanation(explanation, options), describeExplanation(explanation));
}

/**
 * Renders several explanations of the same text as one SVG, one row per method, each row scaled
 * to its own max |score|.
 *
 * @param explanations Explanations of the same text and tokens (for example one per method).
 * @param options As for {@link renderSvg}; `maxLines` counts per row (default 4).
 * @returns The SVG document.
 * @throws {RangeError} When the list is empty or the texts differ.
 */
export function renderComparisonSvg(
  explanations: readonly Explanation[],
  options: RenderOptions = {},
): string {
  const layout = layoutComparison(explanations, options);
  const methods = explanations.map((e) => e.method.id).join(", ");
  return layoutToSvg(layout, `Comparison of ${methods} for ${explanations[0].model.id}`);
}
