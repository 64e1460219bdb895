/**
 * The fingerprint of the kernel sources that wasm/build/manifest.json records: sha-256 over every
 * file of wasm/assembly and wasm/asconfig.json (path, NUL, content, NUL; paths sorted). Shared by
 * the build script and the staleness test.
 *
 * @module
 */

const wasmDir = new URL("./", import.meta.url);

/** Paths (relative to wasm/) of the files that determine the built kernels, sorted. */
export async function sourcePaths(): Promise<string[]> {
  const paths = ["asconfig.json"];
  for await (const entry of Deno.readDir(new URL("assembly/", wasmDir))) {
    if (entry.isFile) paths.push(`assembly/${entry.name}`);
  }
  return paths.sort();
}

/** Hex sha-256 of bytes. */
export async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Hex sha-256 of the kernel sources. */
export async function sourcesHash(): Promise<string> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const path of await sourcePaths()) {
    parts.push(
      encoder.encode(`${path}\0`),
      await Deno.readFile(new URL(path, wasmDir)),
      new Uint8Array(1),
    );
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return sha256(all);
}

/** The shape of wasm/build/manifest.json. */
export interface Manifest {
  "@generated": string;
  compiler: string;
  sources: string;
  files: Record<string, { sha256: string; bytes: number }>;
}

/** Where the built kernels and their manifest live. */
export const buildDir: URL = new URL("build/", wasmDir);

/** The two variants and their files. */
export const variants = { simd: "kernels.simd.wasm", scalar: "kernels.scalar.wasm" } as const;
