/**
 * Runs every member's tests through nx, streams their output, and closes with one summary line
 * ("tests: N passed, N failed, N ignored") added up from the deno test reports, so that a reader (or
 * CI) sees at a glance how many tests ran. The exit code is nx's.
 */
// deno-lint-ignore no-control-regex
const ansi = /\x1b\[[0-9;]*m/g;
const summary =
  /(ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?(?: \| (\d+) ignored)?/;

const child = new Deno.Command("npx", {
  args: ["nx", "run-many", "-t", "test", "--parallel=1", "--outputStyle=stream", ...Deno.args],
  stdout: "piped",
  stderr: "inherit",
  env: { NX_NO_CLOUD: "true", NX_DAEMON: "false" },
}).spawn();

let passed = 0, failed = 0, ignored = 0, pending = "";
const decoder = new TextDecoder();
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  pending += decoder.decode(chunk, { stream: true });
  const lines = pending.split("\n");
  pending = lines.pop() ?? "";
  for (const line of lines) {
    const m = line.replace(ansi, "").match(summary);
    if (m) {
      passed += Number(m[2]);
      failed += Number(m[4]);
      ignored += Number(m[6] ?? 0);
    }
  }
}
const { code } = await child.status;
console.log(`\ntests: ${passed} passed, ${failed} failed, ${ignored} ignored`);
Deno.exit(code);
