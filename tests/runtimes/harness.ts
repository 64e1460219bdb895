/**
 * Shared test plumbing for runs in other runtimes: bundling core with esbuild (`@glassbox/*` imports
 * resolved through the members' exports, as Deno does), finding Debian's
 * Chromium, and the skip-or-fail rule for missing system tools (GLASSBOX_REQUIRE_TOOLS=1 turns a skip
 * into a failure, as CI sets it).
 */
import * as esbuild from "esbuild";
import { glassboxMembers } from "@glassbox/workspace";

/** Root of the repository. */
export const ROOT = new URL("../../", import.meta.url);

/** Directory for build outputs of tests (gitignored). */
export const CACHE = new URL(".cache/tests/", ROOT);

/** Where Debian puts Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags that keep headless Chromium off the network and quiet in this sandbox. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Whether a system tool is present; prints a visible notice and returns false when it is not, or
 * throws when GLASSBOX_REQUIRE_TOOLS=1.
 */
export function haveTool(path: string, what: string, debianPackage = "chromium"): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    const message =
      `${what} needs ${path}, which is not installed (apt-get install ${debianPackage})`;
    if (Deno.env.get("GLASSBOX_REQUIRE_TOOLS") === "1") {
      throw new Error(`${message}; GLASSBOX_REQUIRE_TOOLS=1 forbids skipping`);
    }
    console.warn(`\n*** SKIPPED: ${message} ***\n`);
    return false;
  }
}

/** Bundles an entry file for a platform and returns the output path. */
export async function bundle(
  entry: URL,
  name: string,
  platform: "node" | "browser",
): Promise<string> {
  await Deno.mkdir(CACHE, { recursive: true });
  const outfile = new URL(name, CACHE).pathname;
  await esbuild.build({
    entryPoints: [entry.pathname],
    outfile,
    bundle: true,
    format: "esm",
    platform,
    target: "es2022",
    plugins: [glassboxMembers(ROOT)],
    external: platform === "node"
      ? ["onnxruntime-web", "onnxruntime-node"]
      : ["onnxruntime-node", "node:*"],
    logLevel: "error",
  });
  await esbuild.stop();
  return outfile;
}
