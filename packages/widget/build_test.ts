/**
 * The size budget, measured on every test run as Preact measures its own: the remote-mode bundle,
 * built fresh, must stay at or under 20 kB gzipped. Also checks that the remote bundle left the core
 * and onnxruntime out (they belong to the device bundle only).
 */
import assert from "node:assert/strict";
import { build, DEVICE_BUNDLE, REMOTE_BUNDLE } from "./build.ts";

/** The remote bundle's budget, gzipped. */
const BUDGET_BYTES = 20 * 1024;

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

Deno.test("remote bundle is at most 20 kB gzipped", async () => {
  const { remoteBytes } = await build();
  const code = await Deno.readFile(REMOTE_BUNDLE);
  const gzipped = await gzipSize(code);
  console.log(
    `glassbox-widget.js: ${remoteBytes} bytes minified, ${gzipped} bytes gzipped (budget ${BUDGET_BYTES})`,
  );
  assert.ok(
    gzipped <= BUDGET_BYTES,
    `remote bundle is ${gzipped} bytes gzipped, over ${BUDGET_BYTES}`,
  );
});

Deno.test("remote bundle has no on-device code; device bundle has it", async () => {
  const remote = await Deno.readTextFile(REMOTE_BUNDLE);
  const device = await Deno.readTextFile(DEVICE_BUNDLE);
  // Strings that only onnxruntime-web and the core's model loader contain.
  for (const marker of ["InferenceSession", "tokenizer.json"]) {
    assert.equal(remote.includes(marker), false, `remote bundle contains "${marker}"`);
    assert.equal(device.includes(marker), true, `device bundle lacks "${marker}"`);
  }
  assert.match(remote, /customElements\.define\("glassbox-explain"/);
});
