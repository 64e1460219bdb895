import assert from "node:assert/strict";
import { crc32, encodePng } from "./png_encode.ts";
import { decodePng } from "./testdata/png_decode.ts";

Deno.test("crc32 matches the standard check value", () => {
  // CRC-32 of "123456789" is 0xCBF43926.
  const crc = (crc32(new TextEncoder().encode("123456789")) ^ 0xffffffff) >>> 0;
  assert.equal(crc, 0xcbf43926);
});

Deno.test("encodePng round-trips opaque pixels through the decoder", async () => {
  const width = 37;
  const height = 11;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba.set([(i * 7) & 255, (i * 13) & 255, (i * 29) & 255, 255], i * 4);
  }
  const png = await encodePng(rgba, width, height);
  const decoded = await decodePng(png);
  assert.equal(decoded.width, width);
  assert.equal(decoded.height, height);
  assert.deepEqual(decoded.pixels, rgba);
  await assert.rejects(() => encodePng(rgba, width, height + 1), {
    name: "RangeError",
    message: "Cannot encode PNG: 1628 bytes of pixels, expected 1776 for 37 x 12 RGBA",
  });
});
