/**
 * Explanation -> PNG: the SVG of `svg.ts` rasterized by resvg (@resvg/resvg-wasm 2.6.2), the same
 * code in Deno, Node, browsers and Cloudflare workerd. The runtime only decides how the wasm and
 * the font files arrive: as bytes or a URL (Deno, Node, browsers) or as a `WebAssembly.Module`
 * (workerd, which refuses to compile wasm from bytes: import the `.wasm` file as a module there).
 *
 * @module
 */

import { initWasm, Resvg } from "@resvg/resvg-wasm";
import type { Explanation } from "@glassbox/core/explanation";
import { registeredFontBytes, registeredFontChain, registerFonts } from "./fonts.ts";
import { layoutExplanation } from "./layout.ts";
import type { RenderOptions } from "./render_options.ts";
import { encodePng } from "./png_encode.ts";
import { describeExplanation, layoutToSvg } from "./svg.ts";

/** What `initRenderer` needs: resvg's wasm and the fonts, Latin first, then CJK, then emoji. */
export interface RendererAssets {
  /** resvg's `index_bg.wasm`: a compiled module (workerd), its bytes, or a URL to fetch. */
  wasm: WebAssembly.Module | BufferSource | URL | Response;
  /** Font files (TTF/OTF) in fallback order. */
  fonts: Uint8Array[];
}

let wasmReady: Promise<void> | undefined;

/**
 * Prepares PNG rendering: compiles resvg's wasm (once per process) and registers the fonts for
 * both measuring (SVG layout) and drawing. Without arguments it loads the bundled assets from
 * disk with the Deno/Node loader in `default_assets.ts`.
 *
 * @param assets The wasm and fonts; omit in Deno and Node to use the bundled ones.
 * @throws {TypeError} When a font cannot be parsed or the wasm cannot be instantiated.
 * @example Workers (workerd)
 * ```ts ignore
 * import wasm from "@resvg/resvg-wasm/index_bg.wasm"; // a WebAssembly.Module in workerd
 * await initRenderer({ wasm, fonts: [latin, cjk, emoji] });
 * ```
 */
export async function initRenderer(assets?: RendererAssets): Promise<void> {
  if (!assets) {
    // A computed specifier keeps bundlers for workerd and browsers from pulling in node:fs.
    const loader = "./default_assets.ts";
    const { loadDefaultAssets } = await import(loader) as typeof import("./default_assets.ts");
    assets = await loadDefaultAssets();
  }
  registerFonts(assets.fonts);
  const wasm = assets.wasm;
  wasmReady ??= initWasm(wasm).catch((error) => {
    wasmReady = undefined;
    throw new TypeError(`Cannot start the PNG renderer: resvg's wasm failed to load: ${error}`);
  });
  await wasmReady;
}

/** PNG options: the SVG options plus a zoom factor for high-DPI output. */
export interface PngOptions extends RenderOptions {
  /** Pixel scale (2 gives a picture twice as wide and high). @default 1 */
  scale?: number;
}

/**
 * Rasterizes an SVG document with the registered fonts.
 *
 * @param svg An SVG document.
 * @param scale Pixel scale.
 * @param fonts Indices of the registered fonts to hand to resvg (default: all). resvg parses every
 *   font it is given on each call, so leaving out the CJK and emoji fonts when the text has no
 *   such characters saves time.
 * @returns PNG bytes (RGB: the picture is drawn on an opaque white background).
 * @throws {Error} When `initRenderer` has not finished.
 */
export async function svgToPng(
  svg: string,
  scale = 1,
  fonts?: readonly number[],
): Promise<Uint8Array> {
  if (!wasmReady || !registeredFontChain()) {
    throw new Error("Cannot render PNG: call and await initRenderer() first");
  }
  if (!(scale > 0 && scale <= 8)) {
    throw new RangeError(`Cannot render PNG: "scale" must be in (0, 8], current value is ${scale}`);
  }
  const chain = registeredFontChain()!;
  const resvg = new Resvg(svg, {
    font: {
      fontBuffers: fonts
        ? registeredFontBytes().filter((_, i) => fonts.includes(i))
        : registeredFontBytes(),
      defaultFontFamily: chain.fonts[0].family,
      sansSerifFamily: chain.fonts[0].family,
    },
    fitTo: { mode: "zoom", value: scale },
    background: "#ffffff",
  });
  let image: ReturnType<typeof resvg.render> | undefined;
  let picture: { pixels: Uint8Array; width: number; height: number };
  try {
    image = resvg.render();
    // A copy in JS memory. The pixels are premultiplied RGBA, equal to straight RGBA here
    // because every pixel is opaque.
    picture = { pixels: image.pixels, width: image.width, height: image.height };
  } finally {
    image?.free();
    resvg.free();
  }
  // Encoding with the platform's native deflate is faster than resvg's wasm PNG writer.
  return await encodePng(picture.pixels, picture.width, picture.height);
}

/**
 * Renders an explanation as a PNG picture (the SVG of `renderSvg`, rasterized). Initializes the
 * renderer with the bundled assets on first use in Deno and Node; elsewhere call `initRenderer`
 * first.
 *
 * @param explanation The explanation to draw.
 * @param options The SVG options plus `scale`.
 * @returns PNG bytes.
 * @example Usage
 * ```ts ignore
 * import { renderPng } from "@glassbox/render";
 * await Deno.writeFile("why.png", await renderPng(explanation, { scale: 2 }));
 * ```
 */
export async function renderPng(
  explanation: Explanation,
  options: PngOptions = {},
): Promise<Uint8Array> {
  if (!wasmReady || !registeredFontChain()) {
    try {
      await initRenderer();
    } catch (error) {
      throw new Error(
        "Cannot render PNG: the renderer is not initialized and the default Deno/Node loader failed; " +
          `call initRenderer({ wasm, fonts }) first (${(error as Error).message})`,
      );
    }
  } else {
    await wasmReady;
  }
  const layout = layoutExplanation(explanation, options);
  return svgToPng(
    layoutToSvg(layout, describeExplanation(explanation)),
    options.scale ?? 1,
    layout.fontsUsed,
  );
}
