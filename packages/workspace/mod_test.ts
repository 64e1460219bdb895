import assert from "node:assert/strict";
import * as esbuild from "esbuild";
import { glassboxMembers, readMembers, resolveMemberImport } from "./mod.ts";

/** A two-member workspace in a temporary directory. */
async function toyWorkspace(): Promise<URL> {
  const root = new URL(`file://${await Deno.makeTempDir({ prefix: "glassbox-workspace-" })}/`);
  const write = (path: string, text: string) => Deno.writeTextFile(new URL(path, root), text);
  await Deno.mkdir(new URL("a/", root));
  await Deno.mkdir(new URL("b/", root));
  await write("deno.json", JSON.stringify({ workspace: ["./a", "./b/"] }));
  await write(
    "a/deno.json",
    JSON.stringify({ name: "@glassbox/a", exports: { ".": "./mod.ts", "./sub": "./sub.ts" } }),
  );
  await write("a/mod.ts", `export const whole = "a";\n`);
  await write("a/sub.ts", `export const answer = 6 * 7;\n`);
  await write("b/deno.json", JSON.stringify({ tasks: {} }));
  // Specifiers spliced in, so that tests/boundaries_test.ts does not read these as imports of ours.
  const [sub, whole, missing] = ["@glassbox/a/sub", "@glassbox/a", "@glassbox/a/missing"]
    .map((s) => JSON.stringify(s));
  await write(
    "b/entry.ts",
    `import { answer } from ${sub};\nimport { whole } from ${whole};\n` +
      `export const result = whole + answer;\n`,
  );
  await write("b/bad.ts", `export { answer } from ${missing};\n`);
  return root;
}

Deno.test("readMembers reads names and exports, a string export meaning '.'", async () => {
  const root = await toyWorkspace();
  try {
    assert.deepEqual(await readMembers(root), [
      { dir: "a", name: "@glassbox/a", exports: { ".": "./mod.ts", "./sub": "./sub.ts" } },
      { dir: "b", name: undefined, exports: {} },
    ]);
    const real = await readMembers();
    assert.deepEqual(real.find((m) => m.dir === "wasm")?.exports["."], "./mod.ts");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("resolveMemberImport follows exports and says what is missing", async () => {
  const root = await toyWorkspace();
  try {
    const members = await readMembers(root);
    assert.deepEqual(resolveMemberImport(members, "@glassbox/a"), { file: "a/mod.ts" });
    assert.deepEqual(resolveMemberImport(members, "@glassbox/a/sub"), { file: "a/sub.ts" });
    assert.deepEqual(resolveMemberImport(members, "@glassbox/a/missing"), {
      error: "@glassbox/a does not export ./missing (it exports ., ./sub)",
    });
    assert.deepEqual(resolveMemberImport(members, "@glassbox/zz"), {
      error: "No workspace member is named @glassbox/zz",
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("glassboxMembers lets esbuild bundle member imports, and fails on a missing export", async () => {
  const root = await toyWorkspace();
  try {
    const out = new URL("out.mjs", root).pathname;
    await esbuild.build({
      entryPoints: [new URL("b/entry.ts", root).pathname],
      outfile: out,
      bundle: true,
      format: "esm",
      plugins: [glassboxMembers(root)],
      logLevel: "silent",
    });
    assert.equal((await import(`file://${out}`)).result, "a42");
    await assert.rejects(
      esbuild.build({
        entryPoints: [new URL("b/bad.ts", root).pathname],
        write: false,
        bundle: true,
        plugins: [glassboxMembers(root)],
        logLevel: "silent",
      }),
      /@glassbox\/a does not export \.\/missing/,
    );
  } finally {
    await esbuild.stop();
    await Deno.remove(root, { recursive: true });
  }
});
