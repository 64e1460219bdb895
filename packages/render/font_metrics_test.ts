import assert from "node:assert/strict";
import { FontChain, parseFont } from "./font_metrics.ts";

const root = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readFile(new URL(path, root));
const dejavu = parseFont(await read("node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf"));
const cjk = parseFont(await read("packages/render/fonts/DroidSansFallback-GB2312L1.ttf"));
const emoji = parseFont(await read("packages/render/fonts/Symbola-Emoji.ttf"));
const edge = parseFont(await read("packages/render/fonts/DejaVuSans-Edge.ttf"));

// Reference advances read with fontTools (TTFont(...)["hmtx"][glyph][0]).
Deno.test("DejaVu Sans (cmap format 12): family, unitsPerEm and advance widths", () => {
  assert.equal(dejavu.family, "DejaVu Sans");
  assert.equal(dejavu.unitsPerEm, 2048);
  const advance = (ch: string) => dejavu.advance(dejavu.glyphIndex(ch.codePointAt(0)!));
  assert.equal(advance("A"), 1401);
  assert.equal(advance("m"), 1995);
  assert.equal(advance("i"), 569);
  assert.equal(advance(" "), 651);
  assert.equal(advance("␣"), 1300);
  assert.equal(dejavu.glyphIndex(0x6211), 0, "no CJK in DejaVu");
});

Deno.test("Droid Sans Fallback subset (cmap format 4 only): CJK glyphs, no Latin", () => {
  assert.equal(cjk.family, "Droid Sans Fallback");
  assert.equal(cjk.unitsPerEm, 256);
  for (const ch of "我们可解释性，") {
    assert.notEqual(cjk.glyphIndex(ch.codePointAt(0)!), 0, ch);
    assert.equal(cjk.advance(cjk.glyphIndex(ch.codePointAt(0)!)), 256, ch);
  }
  assert.equal(cjk.glyphIndex(0x41), 0);
  assert.equal(cjk.glyphIndex(0x1f642), 0, "format 4 covers the BMP only");
});

Deno.test("Symbola subset: emoji beyond the BMP", () => {
  assert.equal(emoji.family, "Symbola");
  assert.equal(emoji.advance(emoji.glyphIndex(0x1f642)), 1876);
  assert.equal(emoji.advance(emoji.glyphIndex(0x2600)), 2048);
});

Deno.test("FontChain measures with the first font that has the glyph", () => {
  const chain = new FontChain([dejavu, cjk, emoji]);
  assert.equal(chain.fontFor("A".codePointAt(0)!), 0);
  assert.equal(chain.fontFor("我".codePointAt(0)!), 1);
  assert.equal(chain.fontFor(0x1f642), 2);
  assert.equal(chain.fontFor(0x10fffd), -1);
  const size = 14;
  const expected = (1401 + 1995) * size / 2048 + 256 * size / 256 + 1876 * size / 2048;
  assert.ok(Math.abs(chain.measure("Am我🙂\ufe0f", size) - expected) < 1e-9);
  assert.deepEqual(
    chain.runs("ab我们🙂", 14).map((r) => [r.text, r.font]),
    [["ab", 0], ["我们", 1], ["🙂", 2]],
  );
  assert.equal(chain.cssFamily, "'DejaVu Sans', 'Droid Sans Fallback', 'Symbola', sans-serif");
});

Deno.test("parseFont rejects files it cannot read", () => {
  const woff = new Uint8Array(64);
  woff.set([0x77, 0x4f, 0x46, 0x46]);
  assert.throws(() => parseFont(woff), {
    name: "TypeError",
    message:
      "Cannot read font: unknown sfnt version 0x774f4646, expected a TrueType or OpenType file (TTF/OTF, not WOFF or a collection)",
  });
  assert.throws(() => parseFont(new Uint8Array(4)), {
    message: "Cannot read font: 4 bytes is too short for a font file",
  });
});

Deno.test("the edge subset of DejaVu Sans measures like the full font and has the marks we draw", () => {
  assert.equal(edge.family, "DejaVu Sans");
  for (const ch of "AmWiy ,.é€Ωж…·−±␣↵⇥∅\ufffd") {
    const cp = ch.codePointAt(0)!;
    assert.notEqual(edge.glyphIndex(cp), 0, `U+${cp.toString(16)} in the subset`);
    assert.equal(edge.advance(edge.glyphIndex(cp)), dejavu.advance(dejavu.glyphIndex(cp)), ch);
  }
});
