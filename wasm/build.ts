/**
 * Builds the two kernel variants (wasm/build/kernels.simd.wasm and kernels.scalar.wasm) from
 * wasm/assembly with AssemblyScript and writes wasm/build/manifest.json with the sources' hash, so
 * the build_test can tell when the committed binaries are stale.
 *
 * Run from the repository root: `npx deno task build:wasm`. With `--check` it builds into a
 * temporary directory and exits 1 when the result differs from the committed files.
 *
 * @module
 */
import { buildDir, type Manifest, sha256, sourcesHash, variants } from "./_sources.ts";

const wasmDir = new URL("./", import.meta.url);
const check = Deno.args.includes("--check");
const outDir = check ? new URL(`file://${await Deno.makeTempDir()}/`) : buildDir;

const compiler = JSON.parse(
  await Deno.readTextFile(new URL("../node_modules/assemblyscript/package.json", wasmDir)),
).version as string;

const files: Manifest["files"] = {};
for (const [target, file] of Object.entries(variants)) {
  const out = new URL(file, outDir);
  const { code } = await new Deno.Command("npx", {
    args: ["asc", "--config", "asconfig.json", "--target", target, "--outFile", out.pathname],
    cwd: wasmDir,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) {
    console.error(`asc failed for the ${target} build (exit ${code})`);
    Deno.exit(1);
  }
  const bytes = await Deno.readFile(out);
  files[file] = { sha256: await sha256(bytes), bytes: bytes.length };
}

const manifest: Manifest = {
  "@generated":
    "by `deno task build:wasm` (wasm/build.ts) from wasm/assembly and wasm/asconfig.json; do not edit",
  compiler: `assemblyscript ${compiler}`,
  sources: await sourcesHash(),
  files,
};

if (check) {
  const committed: Manifest = JSON.parse(
    await Deno.readTextFile(new URL("manifest.json", buildDir)),
  );
  const same = JSON.stringify(committed) === JSON.stringify(manifest);
  console.log(
    same
      ? "wasm/build is up to date"
      : "wasm/build differs from a fresh build: run `npx deno task build:wasm` and commit wasm/build/",
  );
  Deno.exit(same ? 0 : 1);
}
await Deno.writeTextFile(
  new URL("manifest.json", buildDir),
  JSON.stringify(manifest, null, 2) + "\n",
);
for (const [file, { bytes }] of Object.entries(files)) {
  console.log(`wasm/build/${file}: ${bytes} bytes`);
}
