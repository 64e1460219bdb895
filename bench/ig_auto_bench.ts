/**
 * Adaptive integrated gradients (`steps: "auto"`, nested Clenshaw-Curtis rules) against the fixed
 * default (50 Gauss-Legendre steps, 52 model rows with the two ends), side by side in one process
 * per model: for every model and length, the rows and time `auto` needs to reach the completeness
 * gap the fixed 50 reach (tolerance = that gap relative to |f(x) - f(baseline)|), and what it costs
 * at the default tolerance of 1%. Zero baseline, logit of the top prediction, the same random ids
 * as bench/ig_bench.ts. Models: the bundled ones (models/) and the base-sized random ones
 * (`/usr/bin/python3 scripts/make_bench_models.py` writes bench/models/, not committed; skipped
 * with a notice when absent).
 *
 * Run: `npx deno run -A bench/ig_auto_bench.ts [--backend node|web] [--tokens 16,64]`.
 * Writes bench/results/ig_auto_<backend>.json.
 */
import process from "node:process";
import { loadModel } from "../packages/core/src/model.ts";
import { forwardLogits } from "../packages/core/src/forward.ts";
import { integratedGradients } from "../packages/core/src/methods/integrated_gradients.ts";
import { validateOptions } from "../packages/core/src/options.ts";
import type { MethodContext } from "../packages/core/src/methods/types.ts";

const root = new URL("../", import.meta.url);
const MODELS = [
  ["distilbert-sentiment", "models/distilbert-sentiment/"],
  ["gpt2-tiny", "models/gpt2-tiny/"],
  ["distilbert-base-random", "bench/models/distilbert-base-random/"],
  ["gpt2-small-random", "bench/models/gpt2-small-random/"],
] as const;
const FIXED_ROWS = 52;
/** The float32 noise floor adaptive mode also stops at. */
const NOISE_FLOOR = 1e-6;
const flag = (name: string) => Deno.args.indexOf(name);
const backend = flag("--backend") >= 0
  ? Deno.args[flag("--backend") + 1] as "node" | "web"
  : "node";
const TOKENS = flag("--tokens") >= 0
  ? Deno.args[flag("--tokens") + 1].split(",").map(Number)
  : [16, 64];

/** Ids like bench/ig_bench.ts's: random words, [CLS]/[SEP] around them for the classifier. */
function idsOf(n: number, classifier: boolean, seed: number, vocab: number): number[] {
  let s = seed;
  const ids = Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return 1000 + (s % Math.min(19000, vocab - 1000));
  });
  if (classifier) [ids[0], ids[n - 1]] = [101, 102];
  return ids;
}

type Params = Parameters<typeof integratedGradients.run>[0]["params"];

/** One run; wall and process CPU time (all threads), the cheaper of two runs. */
async function timedRun(make: () => MethodContext<Params>) {
  let best: { ms: number; cpuMs: number } | undefined;
  let ctx = make();
  let result;
  for (let i = 0; i < 2; i++) {
    ctx = make();
    const cpu = process.cpuUsage();
    const start = performance.now();
    result = await integratedGradients.run(ctx);
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    if (!best || cpuMs < best.cpuMs) best = { ms, cpuMs };
  }
  const diagnostics = result!.diagnostics;
  const run = {
    ...best!,
    rows: ctx.counters.backward,
    delta: diagnostics!.convergenceDelta!,
    steps: diagnostics!.steps,
    converged: diagnostics!.converged,
  };
  return { run, scores: result!.scores };
}

interface RunStats {
  ms: number;
  cpuMs: number;
  rows: number;
  delta: number;
  steps: unknown;
  converged: unknown;
}
interface CaseRow {
  model: string;
  tokens: number;
  change: number;
  fixed: RunStats;
  targetRelativeGap: number;
  toFixedGap: RunStats & { reached: boolean; reachedOrNoise: boolean };
  atDefaultTolerance: RunStats;
  loadAverage: number[];
}

const results: CaseRow[] = [];
for (const [name, dir] of MODELS) {
  const url = new URL(dir, root);
  try {
    await Deno.stat(new URL("onnx/model.onnx", url));
  } catch {
    console.error(`skipping ${name}: ${dir} is missing (scripts/make_bench_models.py makes it)`);
    continue;
  }
  const model = await loadModel(url, { backend, threads: 2 });
  const classifier = model.task === "text-classification";
  for (const n of TOKENS) {
    const ids = idsOf(n, classifier, n, model.config.vocab_size ?? 30522);
    const position = classifier ? 0 : n - 1;
    const { logits, vocab } = await forwardLogits(model, [ids]);
    let targetId = 0;
    for (let i = 1; i < vocab; i++) if (logits[i] > logits[targetId]) targetId = i;
    const context = (params: Record<string, unknown>): MethodContext<Params> => ({
      model,
      ids,
      tokens: ids.map((id) => ({
        id,
        text: "",
        start: 0,
        end: 0,
        special: model.tokenizer.isSpecial(id),
      })),
      objective: { targetId, output: "logit", position },
      params: validateOptions(integratedGradients, params),
      progress() {},
      score: () => Promise.reject(new Error("unused")),
      counters: { forward: 0, backward: 0 },
    });
    // Warm-up: builds the gradient graph and lets the sessions allocate for every batch shape.
    await integratedGradients.run(context({ steps: 50 }));
    await integratedGradients.run(context({ steps: "auto", tolerance: 0 }));
    const loadAverage = Deno.loadavg()[0];
    const { run: fixed, scores } = await timedRun(() => context({ steps: 50 }));
    const change = scores.reduce((s, v) => s + v, 0) - fixed.delta;
    const target = Math.min(1, Math.abs(fixed.delta) / Math.abs(change));
    const toFixed = (await timedRun(() => context({ steps: "auto", tolerance: target }))).run;
    const atDefault = (await timedRun(() => context({ steps: "auto", tolerance: 0.01 }))).run;
    const row = {
      model: name,
      tokens: n,
      change,
      fixed,
      targetRelativeGap: target,
      toFixedGap: {
        ...toFixed,
        reached: Math.abs(toFixed.delta) <= Math.abs(fixed.delta),
        // Both gaps under the float32 noise floor (1e-6) count as the same accuracy.
        reachedOrNoise: Math.abs(toFixed.delta) <= Math.max(Math.abs(fixed.delta), NOISE_FLOOR),
      },
      atDefaultTolerance: atDefault,
      loadAverage: [loadAverage, Deno.loadavg()[0]],
    };
    results.push(row);
    await write();
    console.error(
      `${name} ${n} tokens: fixed ${fixed.rows} rows ${fixed.cpuMs.toFixed(0)} cpu ms gap ${
        fixed.delta.toExponential(1)
      }; to that gap ${toFixed.rows} rows ${toFixed.cpuMs.toFixed(0)} cpu ms gap ${
        toFixed.delta.toExponential(1)
      } (${row.toFixedGap.reached ? "reached" : "not reached"}); at 1% ${atDefault.rows} rows ${
        atDefault.cpuMs.toFixed(0)
      } cpu ms`,
    );
  }
  await model.release();
}

/** Writes the results so far (after every case, so a stopped run keeps what it measured). */
async function write(): Promise<void> {
  const median = (v: number[]) => {
    const s = v.slice().sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const summary = {
    maxRowsToFixedGap: Math.max(...results.map((r) => r.toFixedGap.rows)),
    medianRowReductionToFixedGap: median(results.map((r) => FIXED_ROWS / r.toFixedGap.rows)),
    reachedFixedGap: results.filter((r) => r.toFixedGap.reached).length,
    reachedFixedGapOrNoise: results.filter((r) => r.toFixedGap.reachedOrNoise).length,
    medianRowReductionAtDefault: median(results.map((r) => FIXED_ROWS / r.atDefaultTolerance.rows)),
    medianCpuRatioToFixedGap: median(results.map((r) => r.fixed.cpuMs / r.toFixedGap.cpuMs)),
    medianCpuRatioAtDefault: median(
      results.map((r) => r.fixed.cpuMs / r.atDefaultTolerance.cpuMs),
    ),
    cases: results.length,
  };
  await Deno.mkdir(new URL("bench/results/", root), { recursive: true });
  await Deno.writeTextFile(
    new URL(`bench/results/ig_auto_${backend}.json`, root),
    JSON.stringify(
      {
        benchmark: "ig-auto",
        date: new Date().toISOString(),
        command: `npx deno run -A bench/ig_auto_bench.ts ${Deno.args.join(" ")}`.trim(),
        backend,
        threads: 2,
        method:
          "fixed = steps 50 gauss-legendre (52 model rows with the two ends); toFixedGap = steps auto with tolerance = |fixed gap| / |f(x) - f(baseline)|; atDefaultTolerance = steps auto, tolerance 0.01; rows = backward rows run; ms / cpuMs = wall / process CPU time (all threads) of the cheaper of two runs after a warm-up, side by side in one process",
        summary,
        results,
      },
      null,
      1,
    ) + "\n",
  );
}
