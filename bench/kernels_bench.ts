/**
 * The wasm kernels, SIMD build vs scalar build vs the plain TypeScript reference (wasm/reference.ts:
 * clarity-first float64 code, a full sort for top-k, Gaussian elimination for the solve,
 * Edmonds-Karp for attention flow), side by side in one run at the sizes glassbox meets: a GPT-2
 * vocabulary over 64 rows, 64 x 128 x 768 gradients, 12 layers x 12 heads x 128 tokens of
 * attention, and a 2048-sample, 128-feature KernelSHAP fit. Every timing is the median of several
 * runs after a warm-up; each row also checks that the three agree. The table shows process CPU time
 * (user + system), which other jobs on a shared machine disturb far less than wall time; both are
 * in the JSON.
 *
 * Run: `npx deno run -A bench/kernels_bench.ts` (or `npx deno task bench kernels`). Writes
 * bench/results/kernels.json.
 */
import process from "node:process";
import { createKernels, type Kernels, kernelsUrl } from "../wasm/mod.ts";
import * as reference from "../wasm/reference.ts";
import { attentionStack, normals, prng } from "../wasm/_random.ts";

/** Runs at least MIN_RUNS times and until MIN_MS have passed (at most MAX_RUNS). */
const MIN_RUNS = 3;
const MAX_RUNS = 30;
const MIN_MS = 1000;

interface Timing {
  /** Median process CPU time (user + system) per run. */
  cpuMs: number;
  /** Median wall time per run. */
  wallMs: number;
  runs: number;
}

interface Row {
  kernel: string;
  shape: string;
  simd: Timing;
  scalar: Timing;
  ts: Timing | null;
  /** Largest |wasm - reference| over the output (SIMD build). */
  maxAbsDiff: number;
}

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time(run: () => unknown, maxRuns = MAX_RUNS): Timing {
  run();
  const cpu: number[] = [];
  const wall: number[] = [];
  const start = performance.now();
  while (wall.length < maxRuns && (wall.length < MIN_RUNS || performance.now() - start < MIN_MS)) {
    const c = process.cpuUsage();
    const t = performance.now();
    run();
    wall.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  return { cpuMs: median(cpu), wallMs: median(wall), runs: wall.length };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const builds: Record<"simd" | "scalar", Kernels> = {
  simd: await createKernels(await Deno.readFile(kernelsUrl("simd"))),
  scalar: await createKernels(await Deno.readFile(kernelsUrl("scalar"))),
};

const rows: Row[] = [];

/** Times one kernel in both builds and (unless tsRuns is 0) in TypeScript. */
function bench<T extends ArrayLike<number>>(
  kernel: string,
  shape: string,
  wasm: (k: Kernels) => T,
  ts: (() => ArrayLike<number>) | null,
  { wasmRuns = MAX_RUNS, tsRuns = MAX_RUNS } = {},
): void {
  const simd = time(() => wasm(builds.simd), wasmRuns);
  const scalar = time(() => wasm(builds.scalar), wasmRuns);
  const tsTime = ts ? time(ts, tsRuns) : null;
  const diff = ts
    ? maxAbsDiff(wasm(builds.simd), ts())
    : maxAbsDiff(wasm(builds.simd), wasm(builds.scalar));
  rows.push({ kernel, shape, simd, scalar, ts: tsTime, maxAbsDiff: diff });
  console.error(
    `${kernel} ${shape}: cpu ms simd ${simd.cpuMs.toFixed(2)}, scalar ${
      scalar.cpuMs.toFixed(2)
    }, ts ${tsTime?.cpuMs.toFixed(2) ?? "-"}`,
  );
}

const random = prng(2020);

const [ROWS, VOCAB, K] = [64, 50257, 10];
const logits = normals(random, ROWS * VOCAB, 3);
bench(
  "softmax",
  `${ROWS} x ${VOCAB}`,
  (k) => k.softmax(logits, VOCAB),
  () => reference.softmax(logits, VOCAB),
);
bench(
  "log-softmax",
  `${ROWS} x ${VOCAB}`,
  (k) => k.logSoftmax(logits, VOCAB),
  () => reference.logSoftmax(logits, VOCAB),
);
bench(
  "top-k",
  `${ROWS} x ${VOCAB}, k = ${K}`,
  (k) => k.topK(logits, VOCAB, K).values,
  () => reference.topK(logits, VOCAB, K).values,
  { tsRuns: 3 },
);

const [B, N, D] = [64, 128, 768];
const grad = normals(random, B * N * D);
const input = normals(random, B * N * D);
const hidden = `${B} x ${N} x ${D}`;
bench("sum over d", hidden, (k) => k.sumLastAxis(grad, D), () => reference.sumLastAxis(grad, D));
bench(
  "L2 norm over d",
  hidden,
  (k) => k.l2NormLastAxis(grad, D),
  () => reference.l2NormLastAxis(grad, D),
);
bench(
  "dot over d",
  hidden,
  (k) => k.dotLastAxis(grad, input, D),
  () => reference.dotLastAxis(grad, input, D),
);

const [M, P] = [2048, 128];
const x = Float64Array.from({ length: M * P }, () => (random() < 0.5 ? 0 : 1));
for (let r = 0; r < M; r++) x[r * P] = 1; // an intercept column, as LIME fits
const weights = Float64Array.from({ length: M }, () => random());
const y = Float64Array.from(normals(random, M));
bench(
  "ridge solve",
  `${M} samples x ${P} features`,
  (k) => k.weightedLeastSquares({ x, weights, y, features: P, lambda: 1e-3 }),
  () => reference.weightedLeastSquares(x, weights, y, P, 1e-3),
);

const [LAYERS, HEADS, TOKENS] = [12, 12, 128];
const attention = attentionStack(random, LAYERS, HEADS, TOKENS);
const causal = attentionStack(random, LAYERS, HEADS, TOKENS, { causal: true });
const shape = { layers: LAYERS, heads: HEADS, tokens: TOKENS };
const stack = `${LAYERS} x ${HEADS} x ${TOKENS} x ${TOKENS}`;
bench(
  "attention rollout",
  stack,
  (k) => k.attentionRollout(attention, shape),
  () => reference.attentionRollout(attention, LAYERS, HEADS, TOKENS),
  { tsRuns: 5 },
);
// Edmonds-Karp in TypeScript needs 19 s for 32 tokens (and grows like n^3.7): it runs at 16.
const SMALL = 16;
const small = attentionStack(random, LAYERS, HEADS, SMALL);
bench(
  "attention flow",
  `${LAYERS} x ${HEADS} x ${SMALL} x ${SMALL}`,
  (k) => k.attentionFlow(small, { layers: LAYERS, heads: HEADS, tokens: SMALL }),
  () => reference.attentionFlow(small, LAYERS, HEADS, SMALL),
  { tsRuns: 3 },
);
bench(
  "attention flow",
  `${stack} (bidirectional)`,
  (k) => k.attentionFlow(attention, shape),
  null,
  {
    wasmRuns: 3,
  },
);
bench("attention flow", `${stack} (causal)`, (k) => k.attentionFlow(causal, shape), null, {
  wasmRuns: 3,
});
bench(
  "gauss-legendre",
  "N = 64",
  (k) => k.gaussLegendre(64).nodes,
  () => reference.gaussLegendre(64).nodes,
);

const fmt = (ms: number | null) => ms === null ? "-" : ms < 10 ? ms.toFixed(3) : ms.toFixed(1);
const ratio = (a: number | null, b: number) => a === null ? "-" : `${(a / b).toFixed(2)}x`;
const table = [
  ["kernel", "shape", "simd ms", "scalar ms", "ts ms", "scalar/simd", "ts/simd", "max |diff|"],
  ...rows.map((r) => [
    r.kernel,
    r.shape,
    fmt(r.simd.cpuMs),
    fmt(r.scalar.cpuMs),
    fmt(r.ts?.cpuMs ?? null),
    ratio(r.scalar.cpuMs, r.simd.cpuMs),
    ratio(r.ts?.cpuMs ?? null, r.simd.cpuMs),
    r.maxAbsDiff.toExponential(1),
  ]),
];
const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
for (const [i, row] of table.entries()) {
  console.log(
    row.map((cell, c) => c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])).join("  "),
  );
  if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
}

const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => "")).match(
  /model name\s*:\s*(.*)/,
)?.[1];
await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
await Deno.writeTextFile(
  new URL("./results/kernels.json", import.meta.url),
  JSON.stringify(
    {
      benchmark: "kernels",
      date: new Date().toISOString(),
      runtime: { deno: Deno.version.deno, v8: Deno.version.v8 },
      cpu: cpu ?? "unknown",
      cores: navigator.hardwareConcurrency,
      loadAverage: Deno.loadavg(),
      method:
        `median of ${MIN_RUNS}..${MAX_RUNS} runs (at least ${MIN_MS} ms) after one warm-up; cpuMs = process user + system time, wallMs = elapsed; ts = wasm/reference.ts; the kernels' times include copying inputs into wasm memory and results out`,
      results: rows,
    },
    null,
    1,
  ) + "\n",
);
console.log(
  "\nmedian process CPU ms per call (copies in and out included); wrote bench/results/kernels.json",
);
