/**
 * The workspace as Deno sees it, for the tools that must see it the same way: its members (from the
 * root `deno.json`), each member's package name and `exports`, and an esbuild plugin that resolves
 * `@glassbox/NAME` and `@glassbox/NAME/SUB` through those exports. esbuild knows nothing of Deno
 * workspaces; the widget's bundles, the API's Node and Workers bundles and the tests' runtime bundles
 * all resolve members with this one plugin, so a bundle sees exactly the files Deno does.
 *
 * @example Bundle a file that imports workspace members
 * ```ts ignore
 * import * as esbuild from "esbuild";
 * import { glassboxMembers } from "@glassbox/workspace";
 * await esbuild.build({ entryPoints: ["entry.ts"], bundle: true, plugins: [glassboxMembers(root)] });
 * ```
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import type { Plugin } from "esbuild";

/** The repository root: this file is `packages/workspace/mod.ts`. */
export const ROOT: URL = new URL("../../", import.meta.url);

/** One workspace member. */
export interface Member {
  /** Its directory relative to the root, without `./` or a trailing slash: `packages/core`. */
  dir: string;
  /** Its package name (`@glassbox/core`); members without one cannot be imported by name. */
  name?: string;
  /** Its exports by subpath (`"."`, `"./explanation"`), as paths relative to its directory. */
  exports: Record<string, string>;
}

/**
 * Reads the members from the root `deno.json` and each member's own `deno.json`.
 *
 * @param root The repository root (default: this checkout's).
 * @throws Error when a member listed in the root has no readable `deno.json`.
 */
export async function readMembers(root: URL = ROOT): Promise<Member[]> {
  const json = async (url: URL) => JSON.parse(await readFile(url, "utf8"));
  const { workspace } = await json(new URL("deno.json", root)) as { workspace: string[] };
  return await Promise.all(workspace.map(async (entry) => {
    const dir = entry.replace(/^\.\//, "").replace(/\/$/, "");
    const config = await json(new URL(`${dir}/deno.json`, root)) as {
      name?: string;
      exports?: string | Record<string, string>;
    };
    const exports = typeof config.exports === "string"
      ? { ".": config.exports }
      : config.exports ?? {};
    return { dir, name: config.name, exports };
  }));
}

/**
 * Where a member import points, as Deno resolves it.
 *
 * @returns The file's path relative to the root (`packages/core/src/words.ts`), or an error message
 * saying which member or which export is missing.
 */
export function resolveMemberImport(
  members: readonly Member[],
  specifier: string,
): { file: string } | { error: string } {
  const [, name, sub] = specifier.match(/^(@[\w-]+\/[\w-]+)(\/.*)?$/) ?? [];
  const member = members.find((m) => m.name !== undefined && m.name === name);
  if (!member) return { error: `No workspace member is named ${name ?? specifier}` };
  const key = sub ? `.${sub}` : ".";
  const target = member.exports[key];
  if (!target) {
    return {
      error: `${name} does not export ${key} (it exports ${
        Object.keys(member.exports).join(", ")
      })`,
    };
  }
  return { file: `${member.dir}/${target.replace(/^\.\//, "")}` };
}

/**
 * An esbuild plugin that resolves `@glassbox/*` imports through the members' exports.
 *
 * @param root The repository root (default: this checkout's).
 */
export function glassboxMembers(root: URL = ROOT): Plugin {
  return {
    name: "glassbox-members",
    setup(build) {
      const members = readMembers(root);
      build.onResolve({ filter: /^@glassbox\// }, async (args) => {
        const found = resolveMemberImport(await members, args.path);
        return "error" in found
          ? { errors: [{ text: found.error }] }
          : { path: new URL(found.file, root).pathname };
      });
    },
  };
}
