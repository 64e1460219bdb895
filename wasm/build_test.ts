/**
 * The committed wasm/build artifacts must come from the current sources: the manifest records the
 * sources' sha-256 and each binary's, and this test recomputes both.
 */
import assert from "node:assert/strict";
import { buildDir, type Manifest, sha256, sourcesHash, variants } from "./_sources.ts";

const fix = "run `npx deno task build:wasm` and commit wasm/build/";

Deno.test("wasm/build is built from the current wasm/assembly sources", async () => {
  const manifest: Manifest = JSON.parse(
    await Deno.readTextFile(new URL("manifest.json", buildDir)),
  );
  const sources = await sourcesHash();
  assert.equal(
    manifest.sources,
    sources,
    `wasm/build is stale: wasm/assembly or wasm/asconfig.json changed since the last build (manifest ${manifest.sources}, sources now ${sources}); ${fix}`,
  );
  for (const file of Object.values(variants)) {
    const bytes = await Deno.readFile(new URL(file, buildDir));
    assert.equal(
      await sha256(bytes),
      manifest.files[file]?.sha256,
      `wasm/build/${file} does not match its manifest entry; ${fix}`,
    );
  }
});
