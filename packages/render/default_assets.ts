/**
 * The Deno/Node loader of the bundled renderer assets: resvg's wasm from
 * `node_modules/@resvg/resvg-wasm/index_bg.wasm`, DejaVu Sans from `node_modules/dejavu-fonts-ttf`,
 * and the committed CJK and emoji subsets from `packages/render/fonts/`. Paths are found from this
 * file's location upward, as Node resolves packages, so the loader also works from a bundle that
 * sits elsewhere in the repository. Browsers and workerd pass their assets to `initRenderer`
 * instead and never load this file.
 *
 * @module
 */

import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_FONT_FILES } from "./fonts.ts";
import type { RendererAssets } from "./png.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The first `<dir>/<relative>` that exists, from `start` up to the file system root. */
async function findUp(start: string, candidates: string[]): Promise<string> {
  for (let dir = start;; dir = dirname(dir)) {
    for (const relative of candidates) {
      const path = join(dir, relative);
      if (await exists(path)) return path;
    }
    if (dirname(dir) === dir) {
      throw new Error(
        `Cannot load renderer assets: none of ${candidates.join(", ")} was found above ${start}; ` +
          "run `npm install` at the repository root, or pass { wasm, fonts } to initRenderer",
      );
    }
  }
}

/**
 * Reads resvg's wasm and the bundled fonts from disk.
 *
 * @returns Assets for `initRenderer`.
 * @throws {Error} When a file is missing (names the files looked for).
 */
export async function loadDefaultAssets(): Promise<RendererAssets> {
  const here = dirname(fileURLToPath(import.meta.url));
  const [wasm, latin, cjk, emoji] = await Promise.all([
    findUp(here, ["node_modules/@resvg/resvg-wasm/index_bg.wasm"]),
    findUp(here, [join("node_modules", DEFAULT_FONT_FILES.latin)]),
    findUp(here, [DEFAULT_FONT_FILES.cjk, join("packages/render", DEFAULT_FONT_FILES.cjk)]),
    findUp(here, [DEFAULT_FONT_FILES.emoji, join("packages/render", DEFAULT_FONT_FILES.emoji)]),
  ]);
  const [wasmBytes, ...fonts] = await Promise.all(
    [wasm, latin, cjk, emoji].map((p) => readFile(p)),
  );
  return {
    wasm: new Uint8Array(wasmBytes),
    fonts: fonts.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
  };
}
