/**
 * Measures what an app that runs only some methods ships: esbuild bundles (browser, minified ESM)
 * of three entries, each with `loadModel` and an explain function: `explain()` over every method, an
 * explainer with the four perturbation methods, and one with occlusion alone (also imported through
 * `mod.ts`, which brings the full registry along), each built twice: glassbox's own code (npm packages left external)
 * and with its npm dependencies bundled (onnxruntime-web as its wasm-only build, as the widget's
 * device bundle uses it). The README's figure comes from here.
 *
 * Run: `npx deno run -A packages/core/bundle_size.ts`
 *
 * @module
 */
import * as esbuild from "esbuild";
import { glassboxMembers } from "@glassbox/workspace";

const src = new URL("./src/", import.meta.url).pathname;
const root = new URL("../../", import.meta.url).pathname;

/** The entries measured, as module source. */
export const ENTRIES: Readonly<Record<string, string>> = {
  all: `export { loadModel } from "${src}model.ts";
export { explain } from "${src}explain.ts";`,
  perturbation: `export { loadModel } from "${src}model.ts";
import { createExplainer } from "${src}explainer.ts";
import { occlusion } from "${src}methods/occlusion.ts";
import { shapleySampling } from "${src}methods/shapley_sampling.ts";
import { kernelShap } from "${src}methods/kernel_shap.ts";
import { lime } from "${src}methods/lime.ts";
export const { explain } = createExplainer([occlusion, shapleySampling, kernelShap, lime]);`,
  occlusion: `export { loadModel } from "${src}model.ts";
import { createExplainer } from "${src}explainer.ts";
import { occlusion } from "${src}methods/occlusion.ts";
export const { explain } = createExplainer([occlusion]);`,
  // The same through the package's entry point, which exports the full registry too.
  "occlusion-mod": `import { createExplainer, loadModel } from "${src}../mod.ts";
import { occlusion } from "${src}methods/occlusion.ts";
export { loadModel };
export const { explain } = createExplainer([occlusion]);`,
};

/** One measured bundle. */
export interface BundleSize {
  entry: string;
  /** With every npm package left external: glassbox's own code. */
  ownBytes: number;
  /** With the npm dependencies bundled too. */
  totalBytes: number;
  /** The repository files in the own-code bundle, e.g. `packages/core/src/methods/occlusion.ts`. */
  modules: string[];
}

/** The onnxruntime-web build a browser bundle uses (no WebGPU/JSEP), as the widget picks it. */
const ortWasmOnly: esbuild.Plugin = {
  name: "ort-wasm-only",
  setup(build) {
    build.onResolve({ filter: /^onnxruntime-web$/ }, () => ({
      path: `${root}node_modules/onnxruntime-web/dist/ort.wasm.bundle.min.mjs`,
    }));
  },
};

async function bundle(
  source: string,
  external: boolean,
): Promise<{ bytes: number; modules: string[] }> {
  const result = await esbuild.build({
    stdin: { contents: source, resolveDir: root, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    legalComments: "none",
    write: false,
    metafile: true,
    absWorkingDir: root,
    logLevel: "error",
    // Core reads local files only outside browsers; those imports stay unresolved, as in the widget.
    external: ["node:*", "onnxruntime-node"],
    // Workspace members (the wasm kernels) are glassbox's own code: bundled both ways.
    ...(external
      ? { packages: "external" as const, plugins: [glassboxMembers()] }
      : { plugins: [glassboxMembers(), ortWasmOnly] }),
  });
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  return {
    bytes: result.outputFiles[0].contents.length,
    modules: Object.keys(inputs).filter((file) => file !== "<stdin>").sort(),
  };
}

/** Bundles every entry both ways. */
export async function measureBundles(): Promise<BundleSize[]> {
  const sizes: BundleSize[] = [];
  try {
    for (const [entry, source] of Object.entries(ENTRIES)) {
      const own = await bundle(source, true);
      const total = await bundle(source, false);
      sizes.push({ entry, ownBytes: own.bytes, totalBytes: total.bytes, modules: own.modules });
    }
  } finally {
    await esbuild.stop();
  }
  return sizes;
}

if (import.meta.main) {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  for (const { entry, ownBytes, totalBytes } of await measureBundles()) {
    console.log(
      `${entry.padEnd(13)} own code ${kb(ownBytes)}, with dependencies ${kb(totalBytes)}`,
    );
  }
}
