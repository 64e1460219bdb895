/**
 * Builds the widget's two browser bundles with esbuild into `dist/`:
 *
 * - `glassbox-widget.js`: remote mode only, minified ESM, the file a site loads with one script tag;
 * - `glassbox-widget-device.js`: the same element plus on-device mode (core + onnxruntime-web), with
 *   onnxruntime's `ort-wasm-simd-threaded.{wasm,mjs}` copied beside it.
 *
 * esbuild knows nothing of Deno's workspace: `@glassbox/*` imports resolve through the members'
 * `deno.json` exports (`@glassbox/workspace`); npm packages resolve from the root `node_modules`.
 *
 * Run: `npx deno task build` in packages/widget (or `deno run -A packages/widget/build.ts`).
 *
 * @module
 */
import * as esbuild from "esbuild";
import { glassboxMembers } from "@glassbox/workspace";

const here = new URL("./", import.meta.url);
const root = new URL("../../", here);
/** Where the bundles go. */
export const DIST: URL = new URL("dist/", here);
/** The remote-mode bundle. */
export const REMOTE_BUNDLE: URL = new URL("glassbox-widget.js", DIST);
/** The on-device bundle. */
export const DEVICE_BUNDLE: URL = new URL("glassbox-widget-device.js", DIST);

/** The device bundle runs in browsers only: onnxruntime-web's wasm-only build (no WebGPU/JSEP). */
const ortWasmOnly: esbuild.Plugin = {
  name: "onnxruntime-web-wasm-only",
  setup(build) {
    build.onResolve({ filter: /^onnxruntime-web$/ }, () => ({
      path: new URL("node_modules/onnxruntime-web/dist/ort.wasm.bundle.min.mjs", root).pathname,
    }));
  },
};

/** Sizes of what was built, in bytes. */
export interface BuildResult {
  remoteBytes: number;
  deviceBytes: number;
}

/**
 * Builds both bundles.
 *
 * @returns The sizes of the two bundles (minified, not compressed).
 */
export async function build(): Promise<BuildResult> {
  await Deno.mkdir(DIST, { recursive: true });
  const common: esbuild.BuildOptions = {
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    jsx: "automatic",
    jsxImportSource: "preact",
    legalComments: "none",
    absWorkingDir: root.pathname,
    plugins: [glassboxMembers(root), ortWasmOnly],
    logLevel: "warning",
  };
  try {
    await esbuild.build({
      ...common,
      entryPoints: [new URL("widget.ts", here).pathname],
      outfile: REMOTE_BUNDLE.pathname,
    });
    await esbuild.build({
      ...common,
      entryPoints: [new URL("widget_device.ts", here).pathname],
      outfile: DEVICE_BUNDLE.pathname,
      // Core reads local files only outside browsers; leave those imports unresolved.
      external: ["node:*", "onnxruntime-node"],
    });
  } finally {
    await esbuild.stop();
  }
  for (const file of ["ort-wasm-simd-threaded.wasm", "ort-wasm-simd-threaded.mjs"]) {
    await Deno.copyFile(
      new URL(`node_modules/onnxruntime-web/dist/${file}`, root),
      new URL(file, DIST),
    );
  }
  return {
    remoteBytes: (await Deno.stat(REMOTE_BUNDLE)).size,
    deviceBytes: (await Deno.stat(DEVICE_BUNDLE)).size,
  };
}

if (import.meta.main) {
  const { remoteBytes, deviceBytes } = await build();
  console.log(
    `built ${REMOTE_BUNDLE.pathname} (${remoteBytes} bytes), ${DEVICE_BUNDLE.pathname} (${deviceBytes} bytes)`,
  );
}
