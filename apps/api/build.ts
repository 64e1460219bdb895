/**
 * Builds the API for the runtimes that cannot run the TypeScript sources directly, with esbuild:
 *
 * - `dist/node.mjs`: the Node entry (`node.ts`); npm packages stay external and load from the
 *   repository's `node_modules`, so onnxruntime-node's native addon works.
 * - `dist/worker/`: the Cloudflare Workers bundle (`worker.ts` -> `worker.mjs`, every npm package
 *   inlined, onnxruntime-web's wasm-only build) with the wasm and font files beside it, imported as
 *   modules; `writeWorkerdConfig()` writes a config for the `workerd` binary that serves it.
 *
 * Run `deno task build` in apps/api (both), or import the functions (the end-to-end tests do).
 *
 * @module
 */
import * as esbuild from "esbuild";
import { copyFile, mkdir, readFile, stat, writeFile } from "node:fs/promises";

const here: URL = new URL("./", import.meta.url);
const root = new URL("../../", here);

/** Where the builds go. */
export const DIST: URL = new URL("dist/", here);

/** The files that sit beside `worker.mjs`, imported by `worker_modules.js`, by their module name. */
export const WORKER_FILES: Readonly<Record<string, string>> = Object.freeze({
  "ort-wasm-simd-threaded.wasm": "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm",
  "resvg.wasm": "node_modules/@resvg/resvg-wasm/index_bg.wasm",
  "kernels.simd.wasm": "wasm/build/kernels.simd.wasm",
  "DejaVuSans.ttf": "node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf",
  "DroidSansFallback-GB2312L1.ttf": "packages/render/fonts/DroidSansFallback-GB2312L1.ttf",
  "Symbola-Emoji.ttf": "packages/render/fonts/Symbola-Emoji.ttf",
});

/** The workspace members by package name (`@glassbox/core` -> its directory), from deno.json. */
async function memberDirs(): Promise<Map<string, URL>> {
  const workspace: string[] = JSON.parse(await readFile(new URL("deno.json", root), "utf8"))
    .workspace;
  const dirs = new Map<string, URL>();
  for (const member of workspace) {
    const dir = new URL(`${member.replace(/\/?$/, "/")}`, root);
    try {
      const { name } = JSON.parse(await readFile(new URL("deno.json", dir), "utf8"));
      if (name) dirs.set(name, dir);
    } catch {
      // A member without a deno.json name is not importable by name.
    }
  }
  return dirs;
}

/** Resolves `@glassbox/NAME` and `@glassbox/NAME/SUB` through the members' deno.json exports. */
const members: esbuild.Plugin = {
  name: "glassbox-members",
  setup(build) {
    const dirs = memberDirs();
    build.onResolve({ filter: /^@glassbox\// }, async (args) => {
      const [, name, sub] = args.path.match(/^(@glassbox\/[\w-]+)(\/.*)?$/) ?? [];
      const dir = (await dirs).get(name);
      if (!dir) return { errors: [{ text: `No workspace member is named ${name}` }] };
      const { exports } = JSON.parse(await readFile(new URL("deno.json", dir), "utf8")) as {
        exports: string | Record<string, string>;
      };
      const key = sub ? `.${sub}` : ".";
      const file = typeof exports === "string" ? (key === "." ? exports : undefined) : exports[key];
      if (!file) return { errors: [{ text: `${name} does not export ${key}` }] };
      return { path: new URL(file, dir).pathname };
    });
  },
};

/** Builds `dist/node.mjs`. @returns Its path. */
export async function buildNode(): Promise<string> {
  const outfile = new URL("node.mjs", DIST).pathname;
  await esbuild.build({
    entryPoints: [new URL("node.ts", here).pathname],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    plugins: [members],
    logLevel: "warning",
  });
  await esbuild.stop();
  return outfile;
}

/** Sizes of a file, raw and gzipped, in bytes. */
export interface Size {
  raw: number;
  gzip: number;
}

async function sizeOf(path: string): Promise<Size> {
  const bytes = await readFile(path);
  const gz = new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")));
  return { raw: bytes.byteLength, gzip: (await gz.arrayBuffer()).byteLength };
}

/** Builds `dist/worker/`. @returns The directory and the size of each file in it. */
export async function buildWorker(): Promise<{ dir: string; sizes: Record<string, Size> }> {
  const dir = new URL("worker/", DIST);
  await mkdir(dir, { recursive: true });
  await esbuild.build({
    entryPoints: [new URL("worker.ts", here).pathname],
    outfile: new URL("worker.mjs", dir).pathname,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    // Only the wasm backend runs in Workers; its bundle build embeds the Emscripten glue.
    alias: { "onnxruntime-web": "onnxruntime-web/wasm" },
    external: ["cloudflare:workers", "onnxruntime-node", "node:*", "*.wasm", "*.ttf"],
    plugins: [members],
    logLevel: "error",
  });
  await esbuild.stop();
  for (const [name, source] of Object.entries(WORKER_FILES)) {
    await copyFile(new URL(source, root), new URL(name, dir));
  }
  const sizes: Record<string, Size> = {};
  for (const name of ["worker.mjs", ...Object.keys(WORKER_FILES)]) {
    sizes[name] = await sizeOf(new URL(name, dir).pathname);
  }
  return { dir: dir.pathname, sizes };
}

/** What a workerd config serves. */
export interface WorkerdSetup {
  /** The built `dist/worker/` directory. */
  dir: string;
  port: number;
  /** Directory holding `<model id>/config.json` etc., bound as `MODELS`. */
  modelsDir: string;
  /** Plain-text bindings (GLASSBOX_* settings). */
  vars?: Record<string, string>;
}

/**
 * Writes a workerd config (Cap'n Proto text) into the bundle directory, serving the worker with its
 * wasm and font modules and a disk service for the models bound as `MODELS`.
 *
 * @returns The config file's path, for `workerd serve PATH`.
 */
export async function writeWorkerdConfig(
  { dir, port, modelsDir, vars = {} }: WorkerdSetup,
): Promise<string> {
  const q = (s: string) => JSON.stringify(s);
  // workerd resolves `embed` paths relative to the config file.
  const modules = [
    `(name = "worker.mjs", esModule = embed "worker.mjs")`,
    ...Object.keys(WORKER_FILES).map((name) =>
      `(name = ${q(name)}, ${name.endsWith(".wasm") ? "wasm" : "data"} = embed ${q(name)})`
    ),
  ];
  const bindings = [
    `(name = "MODELS", service = "models")`,
    ...Object.entries(vars).map(([k, v]) => `(name = ${q(k)}, text = ${q(v)})`),
  ];
  const text = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "api", worker = (
      modules = [${modules.join(", ")}],
      compatibilityDate = "2025-09-01",
      bindings = [${bindings.join(", ")}],
    )),
    (name = "models", disk = (path = ${q(modelsDir)}, writable = false)),
  ],
  sockets = [(name = "http", address = ${q(`127.0.0.1:${port}`)}, http = (), service = "api")],
);
`;
  const path = `${dir}/workerd-${port}.capnp`;
  await writeFile(path, text);
  return path;
}

if (import.meta.main) {
  const node = await buildNode();
  console.log(`${node}: ${(await stat(node)).size} bytes`);
  const { dir, sizes } = await buildWorker();
  console.log(`${dir}:`);
  let raw = 0, gzip = 0;
  for (const [name, size] of Object.entries(sizes)) {
    raw += size.raw;
    gzip += size.gzip;
    console.log(`  ${name}: ${size.raw} bytes, ${size.gzip} gzipped`);
  }
  console.log(`  total: ${raw} bytes, ${gzip} gzipped`);
}
