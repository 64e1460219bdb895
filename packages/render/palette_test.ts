import assert from "node:assert/strict";
import {
  BURD_STOPS,
  contrastRatio,
  formatScore,
  hexToRgb,
  maxAbsScore,
  mix,
  relativeLuminance,
  scoreColor,
  scoreHex,
  textColorOn,
} from "./palette.ts";

Deno.test("WCAG formulas match known values", () => {
  const black = hexToRgb("#000000");
  const white = hexToRgb("#ffffff");
  assert.ok(Math.abs(contrastRatio(black, white) - 21) < 1e-9);
  // #808080: ((128/255 + 0.055) / 1.055)^2.4 = 0.2158605
  assert.ok(Math.abs(relativeLuminance(hexToRgb("#808080")) - 0.2158605) < 1e-6);
  assert.ok(Math.abs(contrastRatio(hexToRgb("#777777"), white) - 4.478) < 0.005);
});

Deno.test("chip text contrast is >= 4.5:1 everywhere on the scale", () => {
  let worst = Infinity;
  for (let i = -200; i <= 200; i++) {
    const chip = scoreColor(i / 200, 1);
    const ink = hexToRgb(textColorOn(chip));
    worst = Math.min(worst, contrastRatio(chip, ink));
    // Special tokens: washed-out chip, #404040 text.
    const special = mix(chip, { r: 255, g: 255, b: 255 }, 0.65);
    assert.ok(contrastRatio(special, hexToRgb("#404040")) >= 4.5, `special at ${i / 200}`);
  }
  assert.ok(worst >= 4.5, `worst contrast ${worst}`);
});

Deno.test("scale is symmetric and diverging: blue for negative, red for positive", () => {
  assert.equal(scoreHex(-2, 2), BURD_STOPS[0].toLowerCase());
  assert.equal(scoreHex(0, 2), BURD_STOPS[4].toLowerCase());
  assert.equal(scoreHex(2, 2), BURD_STOPS[8].toLowerCase());
  assert.equal(scoreHex(5, 2), BURD_STOPS[8].toLowerCase(), "clamped beyond maxAbs");
  for (const s of [0.2, 0.5, 0.9]) {
    const pos = scoreColor(s, 1);
    const neg = scoreColor(-s, 1);
    assert.ok(pos.r > pos.b + 20, `+${s} is red-ish`);
    assert.ok(neg.b > neg.r + 20, `-${s} is blue-ish`);
    // Equal magnitudes are equally far from the neutral centre in luminance (within 25%).
    const mid = relativeLuminance(scoreColor(0, 1));
    const dp = mid - relativeLuminance(pos);
    const dn = mid - relativeLuminance(neg);
    assert.ok(Math.abs(dp - dn) / Math.max(dp, dn) < 0.25, `luminance balance at ${s}`);
  }
  // Halfway between stops 4 and 5 (score 0.125): the channel means of #F7F7F7 and #FDDBC7.
  assert.deepEqual(scoreColor(0.125, 1), { r: 250, g: 233, b: 223 });
  assert.deepEqual(scoreColor(1, 0), scoreColor(0, 1), "a zero scale gives the neutral colour");
});

Deno.test("maxAbsScore ignores non-finite scores", () => {
  assert.equal(maxAbsScore([0.1, -0.7, NaN, Infinity, 0.3]), 0.7);
  assert.equal(maxAbsScore([]), 0);
});

Deno.test("formatScore always shows the sign", () => {
  assert.equal(formatScore(0.4213), "+0.42");
  assert.equal(formatScore(-0.0134), "-0.013");
  assert.equal(formatScore(0.00001234), "+1.2e-5");
  assert.equal(formatScore(0), "0.00");
  assert.equal(formatScore(-12.345), "-12.35");
});

Deno.test("hexToRgb rejects other notations with a clear message", () => {
  assert.throws(() => hexToRgb("red"), {
    name: "TypeError",
    message: 'Cannot parse colour "red": expected #rrggbb',
  });
});
