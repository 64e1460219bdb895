/**
 * Checks that the CLI's output has not changed since a given git revision: a refactoring must leave
 * every byte of the README examples' JSON as it was.
 *
 * ```sh
 * npx deno run -A scripts/check_cli_json.ts --base f2ac7cd          # exits 1 on any difference
 * npx deno run -A scripts/check_cli_json.ts --base main --npm-ci    # base gets its own npm ci
 * npx deno run -A scripts/check_cli_json.ts --base HEAD --only help  # cases whose name matches
 * ```
 *
 * What runs: every `npx deno task explain ...` line of the working tree's README.md, with
 * `--format json` (the text, PNG and flag-only examples too: their format is replaced, `--out FILE`
 * dropped) and every `explain-corpus` line (with `--limit 12` so it stays quick, its `--out` in a
 * temporary directory, comparing `items.jsonl` and `summary.json`). Examples that need the network
 * (`--model https://...`) or a directory that is not in the repository (`--model ./sst2`) are listed
 * as skipped. A few fixed invocations follow that pin the command-line surface: `--help`,
 * `--list-methods`, `explain-corpus --help` and usage errors (their one-line message and exit code).
 *
 * How: the base revision is checked out with `git worktree add --detach` in a temporary directory
 * that shares this tree's `node_modules` through a symlink (or runs its own `npm ci` with `--npm-ci`,
 * when the revisions' dependencies differ). Each case runs in both trees with its own empty graph
 * cache (`GLASSBOX_CACHE_DIR`), and stdout, stderr, the exit code and the corpus files must be equal
 * byte for byte.
 *
 * Masked before comparing, and nothing else: the values of keys named `elapsedMs` and
 * `meanElapsedMs` (wall-clock times: `diagnostics.elapsedMs`, `diagnostics.faithfulness.elapsedMs`,
 * and the corpus files' per-item and summary times), `rssMB` (the corpus summary's memory samples),
 * and on explain-corpus's stderr the rate and ETA of its progress lines ("2.1 items/s ETA 0:05").
 * The rest of the output is deterministic: the methods' randomness is seeded.
 *
 * @module
 */
import { parseArgs } from "node:util";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    base: { type: "string" },
    "npm-ci": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    only: { type: "string" },
  },
});
if (!flags.base) {
  console.error("check_cli_json: give the revision to compare with, e.g. --base f2ac7cd");
  Deno.exit(2);
}

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const deno = Deno.execPath();

/** One invocation of a CLI command. */
interface Case {
  name: string;
  script: "apps/cli/main.ts" | "apps/cli/explain_corpus.ts";
  args: string[];
  /** explain-corpus only: the files of --out to compare. */
  outFiles?: string[];
}

/** Splits a shell command line into words (double and single quotes, no expansions). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) {
    words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2] ?? m[3]);
  }
  return words;
}

/** Removes a flag and its value; returns the value. */
function take(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
}

/** The README's CLI examples, as cases, and the ones that cannot run here with why. */
function readmeCases(readme: string): { cases: Case[]; skipped: string[] } {
  const cases: Case[] = [], skipped: string[] = [];
  const blocks = [...readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]);
  for (const block of blocks) {
    const lines = block.replace(/\\\n\s*/g, "").split("\n");
    for (const raw of lines) {
      const line = raw.replace(/^\$ /, "").replace(/\s+#.*$/, "").trim();
      const m = line.match(/^npx deno task (explain|explain-corpus) (.*)$/);
      if (!m || m[2].startsWith("[")) continue; // the synopsis, not an example
      const args = shellWords(m[2]);
      const model = args[args.indexOf("--model") + 1];
      if (args.includes("--model") && /^(\.|\/|https?:)/.test(model)) {
        skipped.push(`${line}  (model ${model} is not in the repository)`);
        continue;
      }
      if (m[1] === "explain") {
        take(args, "--out");
        take(args, "--format");
        cases.push({ name: line, script: "apps/cli/main.ts", args: ["--format", "json", ...args] });
      } else {
        take(args, "--out");
        if (!args.includes("--limit")) args.push("--limit", "12");
        cases.push({
          name: line,
          script: "apps/cli/explain_corpus.ts",
          args,
          outFiles: ["items.jsonl", "summary.json"],
        });
      }
    }
  }
  return { cases, skipped };
}

/** Invocations that pin help texts, usage errors and their exit codes. */
const FIXED: Case[] = [
  { name: "explain --help", script: "apps/cli/main.ts", args: ["--help"] },
  { name: "explain --list-methods", script: "apps/cli/main.ts", args: ["--list-methods"] },
  { name: "explain (no text)", script: "apps/cli/main.ts", args: [] },
  { name: "explain --top-k x", script: "apps/cli/main.ts", args: ["--top-k", "x", "hi"] },
  { name: "explain --format nope", script: "apps/cli/main.ts", args: ["--format", "nope", "hi"] },
  { name: "explain --model (no value)", script: "apps/cli/main.ts", args: ["--model"] },
  { name: "explain two texts", script: "apps/cli/main.ts", args: ["one", "two"] },
  { name: "explain --stepz 3", script: "apps/cli/main.ts", args: ["--stepz", "3", "good film"] },
  { name: "explain-corpus --help", script: "apps/cli/explain_corpus.ts", args: ["--help"] },
  { name: "explain-corpus (no input)", script: "apps/cli/explain_corpus.ts", args: [] },
  {
    name: "explain-corpus --limit 0",
    script: "apps/cli/explain_corpus.ts",
    args: ["--limit", "0", "--input", "x", "--out", "y"],
  },
  {
    name: "explain-corpus stray argument",
    script: "apps/cli/explain_corpus.ts",
    args: ["corpus.txt"],
  },
];

const MEASURED = /("(?:elapsedMs|meanElapsedMs|rssMB)":\s*)-?[0-9][0-9.e+-]*/g;
const RATE = /[0-9.]+ items\/s ETA [0-9:]+/g;
const mask = (text: string) => text.replace(MEASURED, '$1"<measured>"');

/** What a case produced in one tree. */
interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  files: Record<string, string>;
}

async function runCase(tree: string, c: Case, scratch: string): Promise<Outcome> {
  const args = [...c.args];
  const out = `${scratch}/out`;
  if (c.outFiles) args.push("--out", out);
  const result = await new Deno.Command(deno, {
    args: ["run", "-A", c.script, ...args],
    cwd: tree,
    env: { GLASSBOX_CACHE_DIR: `${scratch}/cache`, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  const files: Record<string, string> = {};
  for (const f of c.outFiles ?? []) {
    files[f] = mask(await Deno.readTextFile(`${out}/${f}`).catch(() => "<missing>"));
  }
  // The corpus command names its --out directory on stdout: the same case in two trees differs there.
  const stdout = mask(decode(result.stdout)).replaceAll(out, "<out>");
  const stderr = decode(result.stderr).replace(RATE, "<rate> items/s ETA <eta>");
  return { code: result.code, stdout, stderr, files };
}

/** The first line where two texts differ, for the report. */
function firstDifference(a: string, b: string): string {
  const la = a.split("\n"), lb = b.split("\n");
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}:\n  base: ${la[i]}\n  head: ${lb[i]}`;
  }
  return "(no line differs: whitespace at the end?)";
}

async function git(...args: string[]): Promise<string> {
  const r = await new Deno.Command("git", { args, cwd: root, stderr: "inherit" }).output();
  if (!r.success) throw new Error(`git ${args.join(" ")} failed`);
  return new TextDecoder().decode(r.stdout).trim();
}

const baseRev = await git("rev-parse", "--short", flags.base);
const work = await Deno.makeTempDir({ prefix: "glassbox-check-cli-" });
const baseTree = `${work}/base`;
await git("worktree", "add", "--quiet", "--detach", baseTree, baseRev);
try {
  if (flags["npm-ci"]) {
    const ci = await new Deno.Command("npm", { args: ["ci"], cwd: baseTree, stdout: "null" })
      .output();
    if (!ci.success) throw new Error("npm ci in the base tree failed");
  } else {
    await Deno.symlink(`${root}/node_modules`, `${baseTree}/node_modules`);
  }
  const { cases, skipped } = readmeCases(await Deno.readTextFile(`${root}/README.md`));
  let failures = 0, n = 0;
  const only = flags.only ? new RegExp(flags.only) : undefined;
  for (const c of [...cases, ...FIXED].filter((c) => !only || only.test(c.name))) {
    n++;
    const [base, head] = [
      await runCase(baseTree, c, `${work}/run${n}-base`),
      await runCase(root, c, `${work}/run${n}-head`),
    ];
    const diffs: string[] = [];
    if (base.code !== head.code) diffs.push(`exit code ${base.code} -> ${head.code}`);
    if (base.stdout !== head.stdout) {
      diffs.push(`stdout ${firstDifference(base.stdout, head.stdout)}`);
    }
    if (base.stderr !== head.stderr) {
      diffs.push(`stderr ${firstDifference(base.stderr, head.stderr)}`);
    }
    for (const f of c.outFiles ?? []) {
      if (base.files[f] !== head.files[f]) {
        diffs.push(`${f} ${firstDifference(base.files[f], head.files[f])}`);
      }
    }
    const bytes = head.stdout.length + Object.values(head.files).reduce((s, t) => s + t.length, 0);
    console.log(
      `${diffs.length ? "DIFFERS" : "same   "} ${c.name} (exit ${head.code}, ${bytes} chars)`,
    );
    for (const d of diffs) console.log(`  ${d}`);
    if (diffs.length) failures++;
  }
  for (const s of skipped) console.log(`skipped ${s}`);
  console.log(
    `check_cli_json: ${n - failures} of ${n} the same as ${baseRev}` +
      (failures ? `, ${failures} differ` : ""),
  );
  if (failures) Deno.exitCode = 1;
} finally {
  if (!flags.keep) {
    await git("worktree", "remove", "--force", baseTree);
    await Deno.remove(work, { recursive: true });
  } else console.log(`kept ${work}`);
}
