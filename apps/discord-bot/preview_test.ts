import assert from "node:assert/strict";
import { initRenderer, svgToPng } from "@glassbox/render";
import { markdownSpans, renderReplyPreview } from "./preview.ts";

function size(png: Uint8Array): [number, number] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

Deno.test("markdownSpans: bold, code and escapes as Discord reads them", () => {
  assert.deepEqual(markdownSpans("Top **NEG\\*** `occ**lusion` a\\<b"), [
    { text: "Top ", bold: false, code: false },
    { text: "NEG*", bold: true, code: false },
    { text: " ", bold: false, code: false },
    { text: "occ**lusion", bold: false, code: true },
    { text: " a<b", bold: false, code: false },
  ]);
});

Deno.test("renderReplyPreview: message lines above the attachment at its natural size", async () => {
  await initRenderer();
  const attachment = await svgToPng(
    '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="200"><rect width="800" height="200" fill="#4477aa"/></svg>',
  );
  const reply = { content: "one\ntwo **three**", ephemeral: false };
  const png = await renderReplyPreview({
    ...reply,
    image: { name: "e.png", data: attachment, description: "alt" },
  });
  // 72 px avatar column + 800 + 24 margin; header 40, two lines of 22, 12 gap, image, 16 margin.
  assert.deepEqual(size(png), [896, 40 + 2 * 22 + 12 + 200 + 16]);
  const ephemeral = await renderReplyPreview({ content: "no", ephemeral: true });
  assert.deepEqual(size(ephemeral), [760, 40 + 2 * 22 + 12 + 16]);
});
