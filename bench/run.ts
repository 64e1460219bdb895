/**
 * `deno task bench`: runs every benchmark in turn (or those named on the command line, e.g.
 * `deno task bench predict kernels`). Each writes its table to bench/results/. Benchmarks are long and
 * machine-dependent: they are never part of `npm test`; ratios measured side by side in one run are
 * what to trust.
 */
const ALL = [
  "predict",
  "kernels",
  "render",
  "ig",
  "ig_auto",
  "faithfulness",
  "api_load",
  "corpus_queue",
];
const chosen = Deno.args.length ? Deno.args : ALL;
const unknown = chosen.filter((n) => !ALL.includes(n));
if (unknown.length) {
  console.error(`bench: unknown benchmark ${unknown.join(", ")}; known: ${ALL.join(", ")}`);
  Deno.exit(2);
}
let failed = 0;
for (const name of chosen) {
  const file = new URL(`${name === "api_load" ? name : `${name}_bench`}.ts`, import.meta.url);
  try {
    Deno.statSync(file);
  } catch {
    console.warn(`bench: ${file.pathname} is missing, skipped`);
    continue;
  }
  console.log(`\n== ${name} ==`);
  const { code } = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", file.pathname] })
    .spawn().status;
  if (code !== 0) {
    failed++;
    console.error(`bench: ${name} failed with exit code ${code}`);
  }
}
Deno.exit(failed ? 1 : 0);
