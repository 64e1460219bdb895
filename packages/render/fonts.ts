/**
 * The fonts the renderers measure and draw with. One registry per process: `registerFonts` (or
 * `initRenderer`, which calls it) parses the font files once; the SVG layout measures with them and
 * the PNG renderer hands the same bytes to resvg, so what is measured is what is drawn.
 *
 * The file names of the fonts glassbox ships are here too, so the runtime-specific loaders agree.
 *
 * @module
 */

import { FontChain, parseFont } from "./font_metrics.ts";

/** The bundled fonts in fallback order, as paths relative to the repository / package roots. */
export const DEFAULT_FONT_FILES = Object.freeze({
  /** Latin, Greek, Cyrillic, symbols: DejaVu Sans from the npm package `dejavu-fonts-ttf`. */
  latin: "dejavu-fonts-ttf/ttf/DejaVuSans.ttf",
  /** DejaVu Sans cut to Latin, Greek, Cyrillic and symbols for edge bundles (`packages/render/fonts/`). */
  latinEdge: "fonts/DejaVuSans-Edge.ttf",
  /** Chinese (GB 2312 level 1) and CJK punctuation, committed under `packages/render/fonts/`. */
  cjk: "fonts/DroidSansFallback-GB2312L1.ttf",
  /** Monochrome emoji, committed under `packages/render/fonts/`. */
  emoji: "fonts/Symbola-Emoji.ttf",
});

interface Registered {
  bytes: Uint8Array[];
  chain: FontChain;
}

let registered: Registered | undefined;

/**
 * Registers the fonts to measure and draw with, in fallback order (Latin first, then CJK, then
 * emoji). Replaces fonts registered before.
 *
 * @param fonts Raw TTF/OTF files.
 * @returns The chain used to measure text.
 * @throws {TypeError} When a file is not a font the reader understands.
 */
export function registerFonts(fonts: readonly Uint8Array[]): FontChain {
  const chain = new FontChain(fonts.map((bytes, i) => {
    try {
      return parseFont(bytes);
    } catch (error) {
      throw new TypeError(`Cannot register font #${i}: ${(error as Error).message}`);
    }
  }));
  registered = { bytes: [...fonts], chain };
  return chain;
}

/** The registered font chain, or undefined when no fonts were registered (text is estimated). */
export function registeredFontChain(): FontChain | undefined {
  return registered?.chain;
}

/** The registered font files, for resvg. */
export function registeredFontBytes(): Uint8Array[] {
  return registered?.bytes ?? [];
}
