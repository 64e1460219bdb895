/**
 * A small TrueType reader for text measurement: it reads the tables needed to know how wide a
 * string is (`head` unitsPerEm, `hhea` + `hmtx` advance widths, `cmap` formats 4 and 12 for the
 * character-to-glyph map, `name` for the family name) and nothing else. The SVG layout uses it so
 * that token chips are exactly as wide as the text resvg will draw in them, and a {@link FontChain}
 * mirrors resvg's per-character fallback (Latin font first, then CJK, then emoji).
 *
 * Kerning and shaping are ignored: the fonts glassbox bundles draw token text with plain advances
 * (DejaVu Sans' kerning changes a word's width by a pixel or two at 14 px).
 *
 * @see https://learn.microsoft.com/typography/opentype/spec/
 *
 * @module
 */

/** One parsed font: its family name and the metrics needed to measure text. */
export interface FontMetrics {
  /** The family name from the `name` table (name id 1), used in SVG `font-family`. */
  family: string;
  unitsPerEm: number;
  /** Ascender and descender in font units (descender is negative), from `hhea`. */
  ascender: number;
  descender: number;
  /** The glyph index of a code point, 0 when the font has none. */
  glyphIndex(codePoint: number): number;
  /** The advance width of a glyph, in font units. */
  advance(glyph: number): number;
}

function tableDirectory(view: DataView): Map<string, { offset: number; length: number }> {
  const version = view.getUint32(0);
  // 0x00010000: TrueType outlines; "OTTO": CFF outlines (metrics tables are the same).
  if (version !== 0x00010000 && version !== 0x4f54544f && version !== 0x74727565) {
    throw new TypeError(
      `Cannot read font: unknown sfnt version 0x${
        version.toString(16)
      }, expected a TrueType or OpenType file (TTF/OTF, not WOFF or a collection)`,
    );
  }
  const numTables = view.getUint16(4);
  const tables = new Map<string, { offset: number; length: number }>();
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + i * 16;
    const tag = String.fromCharCode(
      view.getUint8(rec),
      view.getUint8(rec + 1),
      view.getUint8(rec + 2),
      view.getUint8(rec + 3),
    );
    tables.set(tag, { offset: view.getUint32(rec + 8), length: view.getUint32(rec + 12) });
  }
  for (const required of ["head", "hhea", "hmtx", "cmap"]) {
    if (!tables.has(required)) {
      throw new TypeError(`Cannot read font: its "${required}" table is missing`);
    }
  }
  return tables;
}

/** A character-to-glyph lookup built from one cmap subtable. */
type CmapLookup = (codePoint: number) => number;

function cmapFormat4(view: DataView, at: number): CmapLookup {
  const segX2 = view.getUint16(at + 6);
  const segCount = segX2 / 2;
  const endCodes = at + 14;
  const startCodes = endCodes + segX2 + 2; // + reservedPad
  const idDeltas = startCodes + segX2;
  const idRangeOffsets = idDeltas + segX2;
  return (cp) => {
    if (cp > 0xffff) return 0;
    // Segments are sorted by end code: binary search for the first end >= cp.
    let lo = 0;
    let hi = segCount - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (view.getUint16(endCodes + mid * 2) < cp) lo = mid + 1;
      else hi = mid;
    }
    const start = view.getUint16(startCodes + lo * 2);
    if (cp < start || cp > view.getUint16(endCodes + lo * 2)) return 0;
    const delta = view.getUint16(idDeltas + lo * 2);
    const rangeOffsetAt = idRangeOffsets + lo * 2;
    const rangeOffset = view.getUint16(rangeOffsetAt);
    if (rangeOffset === 0) return (cp + delta) & 0xffff;
    // idRangeOffset is relative to its own position in the array (the spec's pointer trick).
    const glyph = view.getUint16(rangeOffsetAt + rangeOffset + (cp - start) * 2);
    return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
  };
}

function cmapFormat12(view: DataView, at: number): CmapLookup {
  const numGroups = view.getUint32(at + 12);
  const groups = at + 16;
  return (cp) => {
    let lo = 0;
    let hi = numGroups - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const g = groups + mid * 12;
      const start = view.getUint32(g);
      const end = view.getUint32(g + 4);
      if (cp < start) hi = mid - 1;
      else if (cp > end) lo = mid + 1;
      else return view.getUint32(g + 8) + (cp - start);
    }
    return 0;
  };
}

function readCmap(view: DataView, cmapOffset: number): CmapLookup {
  const count = view.getUint16(cmapOffset + 2);
  // Prefer a full-Unicode format 12 table, then a BMP format 4 one (Windows or Unicode platform).
  let best: { rank: number; lookup: () => CmapLookup } | undefined;
  for (let i = 0; i < count; i++) {
    const rec = cmapOffset + 4 + i * 8;
    const platform = view.getUint16(rec);
    const encoding = view.getUint16(rec + 2);
    const at = cmapOffset + view.getUint32(rec + 4);
    const format = view.getUint16(at);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode) continue;
    const rank = format === 12 ? 2 : format === 4 ? 1 : 0;
    if (rank === 0 || (best && best.rank >= rank)) continue;
    best = {
      rank,
      lookup: () => format === 12 ? cmapFormat12(view, at) : cmapFormat4(view, at),
    };
  }
  if (!best) {
    throw new TypeError(
      "Cannot read font: it has no Unicode cmap subtable of format 4 or 12",
    );
  }
  return best.lookup();
}

function readFamily(view: DataView, tables: ReturnType<typeof tableDirectory>): string {
  const name = tables.get("name");
  if (!name) return "";
  const count = view.getUint16(name.offset + 2);
  const strings = name.offset + view.getUint16(name.offset + 4);
  let mac = "";
  for (let i = 0; i < count; i++) {
    const rec = name.offset + 6 + i * 12;
    const platform = view.getUint16(rec);
    const nameId = view.getUint16(rec + 6);
    if (nameId !== 1) continue;
    const length = view.getUint16(rec + 8);
    const start = strings + view.getUint16(rec + 10);
    if (platform === 3 || platform === 0) {
      let s = "";
      for (let j = 0; j < length; j += 2) s += String.fromCharCode(view.getUint16(start + j));
      return s;
    }
    if (platform === 1 && !mac) {
      for (let j = 0; j < length; j++) mac += String.fromCharCode(view.getUint8(start + j));
    }
  }
  return mac;
}

/**
 * Parses a TrueType/OpenType font's metrics.
 *
 * @param bytes The whole `.ttf`/`.otf` file.
 * @returns The family name and lookups for glyphs and advances.
 * @throws {TypeError} When the bytes are not a font this reader understands (for example WOFF).
 */
export function parseFont(bytes: Uint8Array): FontMetrics {
  if (bytes.byteLength < 12) {
    throw new TypeError(`Cannot read font: ${bytes.byteLength} bytes is too short for a font file`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = tableDirectory(view);
  const head = tables.get("head")!.offset;
  const hhea = tables.get("hhea")!.offset;
  const hmtx = tables.get("hmtx")!.offset;
  const unitsPerEm = view.getUint16(head + 18);
  const numberOfHMetrics = view.getUint16(hhea + 34);
  const lookup = readCmap(view, tables.get("cmap")!.offset);
  const cache = new Map<number, number>();
  return {
    family: readFamily(view, tables),
    unitsPerEm,
    ascender: view.getInt16(hhea + 4),
    descender: view.getInt16(hhea + 6),
    glyphIndex(cp) {
      let g = cache.get(cp);
      if (g === undefined) {
        g = lookup(cp);
        cache.set(cp, g);
      }
      return g;
    },
    advance(glyph) {
      // Glyphs past numberOfHMetrics share the last advance (monospaced tails).
      const i = Math.min(glyph, numberOfHMetrics - 1);
      return view.getUint16(hmtx + i * 4);
    },
  };
}

/** Code points drawn with no width and no glyph of their own (joiners, variation selectors). */
function isZeroWidth(cp: number): boolean {
  return cp === 0x200b || cp === 0x200c || cp === 0x200d || cp === 0x2060 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef) ||
    (cp >= 0x1f3fb && cp <= 0x1f3ff); // skin-tone modifiers: dropped when not ligated
}

/** A run of characters that one font of the chain draws (or that no font has). */
export interface FontRun {
  text: string;
  /** Index into the chain's fonts, or -1 for characters no font covers. */
  font: number;
  width: number;
}

/**
 * Fonts in fallback order (Latin -> CJK -> emoji), measuring text as resvg draws it: each
 * character with the first font that has a glyph for it.
 */
export class FontChain {
  /** The parsed fonts, in fallback order. */
  readonly fonts: readonly FontMetrics[];

  /**
   * @param fonts Parsed fonts in fallback order; the first is the primary font.
   * @throws {RangeError} When the list is empty.
   */
  constructor(fonts: readonly FontMetrics[]) {
    if (fonts.length === 0) throw new RangeError("Cannot build a font chain: no fonts were given");
    this.fonts = fonts;
  }

  /** The CSS `font-family` list for SVG, quoted, with a generic family last. */
  get cssFamily(): string {
    return [...this.fonts.map((f) => `'${f.family.replace(/'/g, "")}'`), "sans-serif"].join(", ");
  }

  /** The index of the first font that covers a code point, or -1. */
  fontFor(cp: number): number {
    for (let i = 0; i < this.fonts.length; i++) if (this.fonts[i].glyphIndex(cp) !== 0) return i;
    return -1;
  }

  /**
   * Splits text into runs by the font that draws them, with their widths at `size` px.
   * Zero-width characters stay in the run before them and add no width.
   */
  runs(text: string, size: number): FontRun[] {
    const runs: FontRun[] = [];
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (isZeroWidth(cp) && runs.length > 0) {
        runs[runs.length - 1].text += ch;
        continue;
      }
      const font = this.fontFor(cp);
      const width = font < 0 ? size * MISSING_GLYPH_EM : this.glyphWidth(font, cp, size);
      const last = runs[runs.length - 1];
      if (last && last.font === font) {
        last.text += ch;
        last.width += width;
      } else {
        runs.push({ text: ch, font, width });
      }
    }
    return runs;
  }

  /** The width of `text` at `size` px. */
  measure(text: string, size: number): number {
    let w = 0;
    for (const r of this.runs(text, size)) w += r.width;
    return w;
  }

  private glyphWidth(font: number, cp: number, size: number): number {
    const f = this.fonts[font];
    return f.advance(f.glyphIndex(cp)) * size / f.unitsPerEm;
  }
}

/** How wide the placeholder box for a character no font covers is, in em. */
export const MISSING_GLYPH_EM = 0.9;

/** East Asian wide and emoji ranges: two terminal columns, about 1 em in proportional fonts. */
export function isWide(cp: number): boolean {
  return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd);
}

/**
 * A stand-in metric for when no fonts are loaded (SVG rendered before {@link FontChain} fonts are
 * registered): 0.6 em per narrow character, 1 em per wide one. Chips may then be a little too wide
 * or narrow for the viewer's fonts; register fonts for exact widths.
 */
export function estimateWidth(text: string, size: number): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (isZeroWidth(cp)) continue;
    w += (isWide(cp) ? 1 : cp === 0x20 ? 0.32 : 0.6) * size;
  }
  return w;
}
