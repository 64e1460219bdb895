/**
 * glassbox renderers: an Explanation as SVG, PNG, HTML or terminal text.
 *
 * - {@link renderSvg} / {@link renderComparisonSvg}: a picture with header, legend, coloured token
 *   chips (measured with the bundled fonts' real metrics), top-k bars and optional attention heatmap.
 * - {@link renderPng}: the same picture rasterized by resvg's wasm. Call {@link initRenderer} first
 *   (in Deno and Node it loads the bundled wasm and fonts by itself; in workerd and browsers pass
 *   `{ wasm, fonts }`). Call it before `renderSvg` too, so chip widths use the real fonts.
 * - {@link renderHtml}: a self-contained, accessible HTML document or fragment.
 * - {@link renderText}: ANSI 24-bit colour (or plain) text for terminals.
 * - The shared colour-blind-safe palette is exported from `./palette` as well.
 *
 * @example Deno / Node
 * ```ts ignore
 * import { initRenderer, renderPng, renderSvg, renderText } from "@glassbox/render";
 * await initRenderer();
 * console.log(renderText(explanation, { color: true }));
 * await Deno.writeTextFile("why.svg", renderSvg(explanation));
 * await Deno.writeFile("why.png", await renderPng(explanation, { scale: 2 }));
 * ```
 *
 * @module
 */

export { renderComparisonSvg, renderSvg } from "./svg.ts";
export { initRenderer, type PngOptions, type RendererAssets, renderPng, svgToPng } from "./png.ts";
export { type HtmlOptions, renderHtml } from "./html.ts";
export { renderText, type TextOptions } from "./text.ts";
export type { ChipBox, Layout } from "./display_list.ts";
export { layoutComparison, layoutExplanation } from "./layout.ts";
export { type RenderOptions, WIDTH_RANGE } from "./render_options.ts";
export { DEFAULT_FONT_FILES, registerFonts } from "./fonts.ts";
export { FontChain, type FontMetrics, parseFont } from "./font_metrics.ts";
export { type DisplayUnit, displayUnits, type Level, mergeWords } from "./units.ts";
export * from "./palette.ts";
