/** Unit tests through `app.request()` (no server). The picture routes. */
import assert from "node:assert/strict";
import { app } from "../_test_app.ts";

Deno.test("GET /v1/explain.svg and .png: pictures with ETag, 304 on If-None-Match", async () => {
  const svg = await app.request("/v1/explain.svg?text=What%20a%20day&params.window=2&words=1");
  assert.equal(svg.status, 200);
  assert.equal(svg.headers.get("content-type"), "image/svg+xml; charset=utf-8");
  assert.equal(svg.headers.get("cross-origin-resource-policy"), "cross-origin");
  assert.equal(svg.headers.get("cache-control"), "public, max-age=86400");
  assert.match(
    await svg.text(),
    /^<svg[^>]*>\n<title>occlusion attributions of distilbert-sentiment/,
  );
  const etag = svg.headers.get("etag")!;
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  const again = await app.request("/v1/explain.svg?words=1&params.window=2&text=What%20a%20day", {
    headers: { "if-none-match": etag },
  });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get("etag"), etag);
  const other = await app.request("/v1/explain.svg?text=What%20a%20day");
  assert.notEqual(other.headers.get("etag"), etag);
  await other.body?.cancel();

  const png = await app.request("/v1/explain.png?text=What%20a%20day&scale=2");
  assert.equal(png.status, 200);
  assert.equal(png.headers.get("content-type"), "image/png");
  const bytes = new Uint8Array(await png.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  // IHDR width at scale 2 of an 800 px picture.
  assert.equal(new DataView(bytes.buffer).getUint32(16), 1600);
});
