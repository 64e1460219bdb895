/**
 * Package boundaries: a workspace member reaches another only through that member's `deno.json`
 * exports, by name (`@glassbox/core/explanation`), never by a relative path into its files. This test
 * reads every source file of every member (tests included), resolves each relative import, and fails
 * on one that lands outside the importing member; it also fails on an `@glassbox/*` import that no
 * member exports.
 *
 * Files outside the members (`bench/`, `scripts/`) are tools that may measure internals, and are not
 * checked.
 */
import assert from "node:assert/strict";
import { type Member, readMembers, resolveMemberImport, ROOT } from "@glassbox/workspace";

/**
 * Relative imports that still leave their member, each with who removes it. Empty it; never grow it.
 */
const ALLOWED = new Set<string>([]);

/** Directories that hold no sources of a member: dependencies, build outputs, AssemblyScript. */
const SKIP = /(^|\/)(node_modules|dist|build|\.cache|assembly)(\/|$)/;

/** Static imports and re-exports, side-effect imports and dynamic imports with a literal. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

/** `a/b/../c/./d.ts` -> `a/c/d.ts`. */
function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== "." && part !== "") parts.push(part);
  }
  return parts.join("/");
}

/** The member a root-relative path belongs to (the innermost one), if any. */
function memberOf(members: readonly Member[], path: string): Member | undefined {
  return members.filter((m) => path.startsWith(`${m.dir}/`))
    .sort((a, b) => b.dir.length - a.dir.length)[0];
}

/**
 * The imports of one file that break the boundaries, as `file -> target` for relative imports that
 * leave the file's member and `file -> specifier: why` for member imports that resolve to nothing.
 *
 * @param file The file's path relative to the root.
 */
export function violations(members: readonly Member[], file: string, source: string): string[] {
  const own = memberOf(members, file);
  const found: string[] = [];
  for (const [, specifier] of source.matchAll(IMPORT)) {
    if (specifier.startsWith(".")) {
      const target = normalize(`${file.replace(/[^/]*$/, "")}${specifier}`);
      if (memberOf(members, target) !== own) found.push(`${file} -> ${target}`);
    } else if (specifier.startsWith("@glassbox/")) {
      const resolved = resolveMemberImport(members, specifier);
      if ("error" in resolved) found.push(`${file} -> ${specifier}: ${resolved.error}`);
    }
  }
  return found;
}

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
    const path = `${dir}/${entry.name}`;
    if (SKIP.test(path)) continue;
    if (entry.isDirectory) yield* sources(path);
    else if (/\.(ts|tsx|js|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) yield path;
  }
}

Deno.test("violations: relative imports that leave the member, member imports nobody exports", () => {
  const members: Member[] = [
    { dir: "packages/a", name: "@glassbox/a", exports: { ".": "./mod.ts", "./x": "./src/x.ts" } },
    { dir: "packages/a/inner", name: "@glassbox/inner", exports: { ".": "./mod.ts" } },
    { dir: "tests", exports: {} },
  ];
  // Written with | for quotes, so that the scan of this very file does not take them for imports.
  const source = [
    "import { a } from |./src/x.ts|;",
    "import type { B } from |../b/mod.ts|;",
    "export * from |./inner/mod.ts|;",
    "const lazy = await import(|../../tests/util.ts|);",
    "import |../a/./src/../mod.ts|;",
    "import {\n  x,\n} from |@glassbox/a/x|;",
    "import { y } from |@glassbox/a/y|;",
    "import { z } from |@glassbox/zz|;",
  ].join("\n").replaceAll("|", '"');
  assert.deepEqual(violations(members, "packages/a/mod.ts", source), [
    "packages/a/mod.ts -> packages/b/mod.ts",
    "packages/a/mod.ts -> packages/a/inner/mod.ts",
    "packages/a/mod.ts -> tests/util.ts",
    "packages/a/mod.ts -> @glassbox/a/y: @glassbox/a does not export ./y (it exports ., ./x)",
    "packages/a/mod.ts -> @glassbox/zz: No workspace member is named @glassbox/zz",
  ]);
});

Deno.test("no member imports another member's files by a relative path", async () => {
  const members = await readMembers();
  const found: string[] = [];
  let files = 0;
  for (const member of members) {
    for await (const file of sources(member.dir)) {
      files++;
      found.push(...violations(members, file, await Deno.readTextFile(new URL(file, ROOT))));
    }
  }
  // Guards against a scan that silently reads nothing.
  assert.ok(files > 100, `only ${files} source files found under the members`);
  const allowedButGone = [...ALLOWED].filter((a) => !found.includes(a));
  assert.deepEqual(
    found.filter((v) => !ALLOWED.has(v)),
    [],
    "import these through the member's deno.json exports (@glassbox/NAME/SUB) instead",
  );
  assert.deepEqual(allowedButGone, [], "these are fixed: take them off ALLOWED");
});
