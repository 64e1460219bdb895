/**
 * Loading: the SIMD probe, variant selection, a precompiled module (the workerd path), a module
 * that is not ours, and the same loader bundled with esbuild running under Node (file: URL) and in
 * Chromium (fetch over http), and createKernels in workerd with an imported module. Those skip
 * with a notice when node, /usr/bin/chromium or workerd is missing, and fail instead under
 * GLASSBOX_REQUIRE_TOOLS=1.
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

/** Bundles mod.ts into dir/mod.js next to a copy of build/, as a package would ship it. */
async function bundleInto(dir: string, platform: "node" | "browser"): Promise<void> {
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
      `--platform=${platform}`,
      "--external:node:*",
      `--outfile=${dir}/mod.js`,
      "--log-level=error",
    ],
  }).output();
  assert.ok(bundle.success, new TextDecoder().decode(bundle.stderr));
}

/** What the probe script prints: each variant and its softmax of four equal logits. */
const probe = `for (const simd of [true, false]) {
  const k = await m.loadKernels({ simd });
  out.push(k.variant + " " + Array.from(k.softmax(new Float32Array([2, 2, 2, 2]), 4)).join(","));
}`;
const expected = "simd 0.25,0.25,0.25,0.25\nscalar 0.25,0.25,0.25,0.25";

/** Skips (or fails with GLASSBOX_REQUIRE_TOOLS=1) when a tool is missing. */
function missing(tool: string): boolean {
  if (Deno.env.get("GLASSBOX_REQUIRE_TOOLS") === "1") assert.fail(`${tool} is not installed`);
  console.warn(`SKIP: ${tool} is not installed`);
  return true;
}

Deno.test("the loader works under Node, reading the .wasm next to the module", async () => {
  const node = await new Deno.Command("node", { args: ["--version"] }).output().catch(() => null);
  if (!node?.success && missing("node")) return;
  const dir = await Deno.makeTempDir();
  try {
    await bundleInto(dir, "node");
    await Deno.rename(`${dir}/mod.js`, `${dir}/mod.mjs`);
    const script = `const m = await import(${
      JSON.stringify(`${dir}/mod.mjs`)
    }); const out = []; ${probe} console.log(out.join("\\n"));`;
    const run = await new Deno.Command("node", { args: ["--input-type=module", "-e", script] })
      .output();
    assert.ok(run.success, new TextDecoder().decode(run.stderr));
    assert.equal(new TextDecoder().decode(run.stdout), expected + "\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the loader works in Chromium, fetching the .wasm over http", async () => {
  const CHROMIUM = "/usr/bin/chromium";
  if (!(await Deno.stat(CHROMIUM).catch(() => null)) && missing(CHROMIUM)) return;
  const dir = await Deno.makeTempDir();
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/") {
      return new Response("<!doctype html><title>kernels</title>", {
        headers: { "content-type": "text/html" },
      });
    }
    const type = path.endsWith(".wasm") ? "application/wasm" : "text/javascript";
    const body = await Deno.readFile(`${dir}${path}`).catch(() => null);
    return body
      ? new Response(body, { headers: { "content-type": type } })
      : new Response("not found", { status: 404 });
  });
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    await bundleInto(dir, "browser");
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.addr.port}/`);
    const result = await page.evaluate(
      `(async () => { const m = await import("/mod.js"); const out = []; ${probe} return out.join("\\n"); })()`,
    );
    assert.equal(result, expected);
  } finally {
    await browser.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createKernels runs in workerd with the imported module, where bytes cannot compile", async () => {
  const workerd = new URL("../node_modules/.bin/workerd", import.meta.url).pathname;
  if (!(await Deno.stat(workerd).catch(() => null)) && missing(workerd)) return;
  const dir = await Deno.makeTempDir();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  try {
    await bundleInto(dir, "browser");
    await Deno.copyFile(kernelsUrl("simd"), `${dir}/kernels.simd.wasm`);
    await Deno.writeTextFile(
      `${dir}/worker.js`,
      `import kernelsModule from "./kernels.simd.wasm";
import * as m from "./mod.js";
export default {
  async fetch() {
    const out = [];
    const k = await m.createKernels(kernelsModule);
    out.push(k.variant + " " + Array.from(k.softmax(new Float32Array([2, 2, 2, 2]), 4)).join(","));
    out.push(await m.createKernels(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])).then(() => "bytes compiled", () => "bytes refused"));
    return new Response(out.join("\\n"));
  },
};
`,
    );
    await Deno.writeTextFile(
      `${dir}/config.capnp`,
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .w)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const w :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "mod.js", esModule = embed "mod.js"),
    (name = "kernels.simd.wasm", wasm = embed "kernels.simd.wasm"),
  ],
  compatibilityDate = "2024-09-01",
);
`,
    );
    const child = new Deno.Command(workerd, {
      args: ["serve", `${dir}/config.capnp`],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      let body = "";
      for (let attempt = 0; attempt < 100 && !body; attempt++) {
        body = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text(), () => "");
        if (!body) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(body, "simd 0.25,0.25,0.25,0.25\nbytes refused");
    } finally {
      child.kill();
      await child.stderr.cancel();
      await child.status;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
