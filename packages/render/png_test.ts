import assert from "node:assert/strict";
import type { ChipBox } from "./display_list.ts";
import { layoutExplanation } from "./layout.ts";
import { hexToRgb } from "./palette.ts";
import { initRenderer, renderPng, svgToPng } from "./png.ts";
import { chinese, english, mixedEmoji, oneToken } from "./testdata/fixtures.ts";
import { type DecodedPng, decodePng } from "./testdata/png_decode.ts";

await initRenderer();

function pixel(img: DecodedPng, x: number, y: number) {
  const i = (Math.round(y) * img.width + Math.round(x)) * 4;
  return { r: img.pixels[i], g: img.pixels[i + 1], b: img.pixels[i + 2] };
}

/** A point inside the chip, in the band between its top border and the glyphs. */
function fillPoint(chip: ChipBox) {
  return { x: chip.x + chip.width / 2, y: chip.y + 3 };
}

/** Pixels inside the chip that differ strongly from its fill: the drawn glyph. */
function inkPixels(img: DecodedPng, chip: ChipBox): number {
  const fill = hexToRgb(chip.fill);
  let n = 0;
  for (let y = Math.ceil(chip.y + 2); y < chip.y + chip.height - 2; y++) {
    for (let x = Math.ceil(chip.x + 2); x < chip.x + chip.width - 2; x++) {
      const p = pixel(img, x, y);
      if (Math.abs(p.r - fill.r) + Math.abs(p.g - fill.g) + Math.abs(p.b - fill.b) > 150) n++;
    }
  }
  return n;
}

Deno.test("PNG: dimensions, white background, chip colours follow the score signs", async () => {
  const e = english();
  const layout = layoutExplanation(e);
  const img = await decodePng(await renderPng(e));
  assert.equal(img.width, 800);
  assert.equal(img.height, layout.height);
  assert.deepEqual(pixel(img, 3, 3), { r: 255, g: 255, b: 255 });
  const max = Math.max(...e.scores.map(Math.abs));
  let checked = 0;
  for (const chip of layout.chips) {
    // Near-zero scores are near-white by design; check the chips the scale clearly colours.
    if (chip.special || Math.abs(chip.score) / max < 0.3) continue;
    const { x, y } = fillPoint(chip);
    const p = pixel(img, x, y);
    const want = hexToRgb(chip.fill);
    for (const c of ["r", "g", "b"] as const) {
      assert.ok(Math.abs(p[c] - want[c]) <= 6, `${chip.label} ${c}: ${p[c]} vs ${want[c]}`);
    }
    if (chip.score > 0) {
      assert.ok(p.r > p.b + 30, `${chip.label} (+) is red-ish: ${JSON.stringify(p)}`);
    } else assert.ok(p.b > p.r + 30, `${chip.label} (-) is blue-ish: ${JSON.stringify(p)}`);
    assert.ok(inkPixels(img, chip) > 8, `${chip.label} has its text drawn`);
    checked++;
  }
  assert.equal(checked, 4, "wasn, bad, genuine, fun");
});

Deno.test("PNG: Chinese characters and emoji are drawn, not empty", async () => {
  for (const e of [chinese(), mixedEmoji()]) {
    const layout = layoutExplanation(e);
    const placeholders = layout.items.filter((i) =>
      i.kind === "rect" && i.fill === "none" && i.dashed
    );
    assert.equal(placeholders.length, 0, "every character has a font (no stand-in boxes)");
    const img = await decodePng(await renderPng(e));
    for (const chip of layout.chips.filter((c) => !c.special)) {
      // A hanzi or emoji at 14 px has dozens of ink pixels; a missing glyph would leave it blank.
      const glyphs = chip.label.match(/\p{Script=Han}|\p{Extended_Pictographic}/gu)?.length ?? 0;
      const min = Math.max(3, 20 * glyphs);
      assert.ok(inkPixels(img, chip) >= min, `"${chip.label}": ${inkPixels(img, chip)} px`);
    }
  }
});

Deno.test("PNG: scale doubles the size; a one-token text renders", async () => {
  const img = await decodePng(await renderPng(oneToken(), { scale: 2 }));
  assert.equal(img.width, 1600);
  assert.equal(img.height, layoutExplanation(oneToken()).height * 2);
  await assert.rejects(() => svgToPng("<svg/>", 0), {
    name: "RangeError",
    message: 'Cannot render PNG: "scale" must be in (0, 8], current value is 0',
  });
});
