/**
 * Loading: the SIMD probe, variant selection, a precompiled module (the workerd path), a module
 * that is not ours, and the same loader running under Node (bundled with esbuild).
 */
import assert from "node:assert/strict";
import { createKernels, kernelsUrl, loadKernels, simdSupported } from "./mod.ts";

Deno.test("loadKernels picks the SIMD build where the engine validates SIMD", async () => {
  assert.equal(simdSupported(), true, "V8 in Deno supports wasm SIMD");
  assert.equal((await loadKernels()).variant, "simd");
  assert.equal((await loadKernels({ simd: false })).variant, "scalar");
  assert.equal((await loadKernels({ simd: true })).variant, "simd");
});

Deno.test("createKernels takes a precompiled WebAssembly.Module", async () => {
  const module = await WebAssembly.compile(await Deno.readFile(kernelsUrl("scalar")));
  const kernels = await createKernels(module);
  assert.equal(kernels.variant, "scalar");
  assert.deepEqual(Array.from(kernels.softmax(new Float32Array([2, 2, 2, 2]), 4)), [
    0.25,
    0.25,
    0.25,
    0.25,
  ]);
});

Deno.test("createKernels rejects a module that is not a kernel build", async () => {
  const empty = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  await assert.rejects(createKernels(empty), {
    name: "TypeError",
    message:
      'Cannot create the kernels: the module does not export "memory"; pass kernels.simd.wasm or kernels.scalar.wasm',
  });
});

Deno.test("the loader works under Node, reading the .wasm next to the module", async () => {
  const node = await new Deno.Command("node", { args: ["--version"] }).output().catch(() => null);
  if (!node?.success) {
    if (Deno.env.get("GLASSBOX_REQUIRE_TOOLS") === "1") assert.fail("node is not installed");
    console.warn("skipped: node is not installed");
    return;
  }
  const dir = await Deno.makeTempDir();
  try {
    // Bundle next to a copy of build/ so that import.meta.url resolves the same way.
    await Deno.mkdir(`${dir}/build`);
    for (const variant of ["simd", "scalar"] as const) {
      await Deno.copyFile(kernelsUrl(variant), `${dir}/build/kernels.${variant}.wasm`);
    }
    const bundle = await new Deno.Command("npx", {
      args: [
        "esbuild",
        new URL("./mod.ts", import.meta.url).pathname,
        "--bundle",
        "--format=esm",
        "--platform=node",
        `--outfile=${dir}/mod.mjs`,
        "--log-level=error",
      ],
    }).output();
    assert.ok(bundle.success, new TextDecoder().decode(bundle.stderr));
    const script = `const m = await import(${
      JSON.stringify(`${dir}/mod.mjs`)
    }); for (const simd of [true, false]) { const k = await m.loadKernels({ simd }); console.log(k.variant, Array.from(k.softmax(new Float32Array([2, 2, 2, 2]), 4)).join(",")); }`;
    const run = await new Deno.Command("node", { args: ["--input-type=module", "-e", script] })
      .output();
    assert.ok(run.success, new TextDecoder().decode(run.stderr));
    assert.equal(
      new TextDecoder().decode(run.stdout),
      "simd 0.25,0.25,0.25,0.25\nscalar 0.25,0.25,0.25,0.25\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
