/**
 * Integrated gradients (50 Gauss-Legendre steps, zero baseline, logit of the top prediction; and
 * adaptive steps with a 1% tolerance, for reference) on
 * base-sized random-weight models at 16, 64 and 128 tokens: onnxruntime-web and onnxruntime-node
 * side by side, each in its own process so that its peak memory (VmHWM) is its own; the ratio to the
 * model's plain forward + backward cost (one row through the gradient graph); and the ratio to
 * PyTorch autograd on the same weights (scripts/torch_ig_bench.py, all steps in one batch as Captum
 * does).
 *
 * Models: `/usr/bin/python3 scripts/make_bench_models.py` writes bench/models/ (not committed).
 * Run: `npx deno run -A bench/ig_bench.ts [--repeats N] [--no-torch] [--only web|node]`.
 * Writes bench/results/ig.json and bench/results/ig.md.
 */
import { loadModel } from "../packages/core/src/model.ts";
import { forwardLogits } from "../packages/core/src/forward.ts";
import { gradientRunner } from "../packages/core/src/gradients/runner.ts";
import { integratedGradients } from "../packages/core/src/methods/integrated_gradients.ts";
import { validateOptions } from "../packages/core/src/options.ts";
import type { MethodContext } from "../packages/core/src/methods/types.ts";

const MODELS = ["distilbert-base-random", "gpt2-small-random"];
const BACKENDS = ["node", "web"] as const;
const TOKENS = [16, 64, 128];
const STEPS = 50;
const THREADS = 2;
const root = new URL("../", import.meta.url);
const modelDir = (name: string) => new URL(`bench/models/${name}/`, root);

function peakRssMb(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(fn: () => Promise<unknown>, repeats: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Ids like torch_ig_bench.py's: random words, [CLS]/[SEP] around them for the classifier. */
function idsOf(n: number, classifier: boolean, seed: number): number[] {
  let s = seed;
  const ids = Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return 1000 + (s % 19000);
  });
  if (classifier) [ids[0], ids[n - 1]] = [101, 102];
  return ids;
}

async function child(name: string, backend: "web" | "node", repeats: number) {
  const startLoad = Deno.loadavg()[0];
  const t0 = performance.now();
  const model = await loadModel(modelDir(name), { backend, threads: THREADS });
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const runner = await gradientRunner(model, "logit");
  const buildMs = performance.now() - t1;
  const classifier = model.task === "text-classification";
  const rows = [];
  for (const n of TOKENS) {
    const ids = idsOf(n, classifier, n);
    const position = classifier ? 0 : n - 1;
    const { logits, vocab } = await forwardLogits(model, [ids]);
    let targetId = 0;
    for (let i = 1; i < vocab; i++) if (logits[i] > logits[targetId]) targetId = i;
    const x = runner.embed(ids);
    const forwardMs = await timed(() => forwardLogits(model, [ids]), 3);
    const forwardBackwardMs = await timed(
      () => runner.run({ embeds: x, rows: 1, ids, targetId, position }),
      3,
    );
    const params = validateOptions(integratedGradients, { steps: STEPS });
    const ctx: MethodContext<typeof params> = {
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
      params,
      progress() {},
      score: () => Promise.reject(new Error("unused")),
      counters: { forward: 0, backward: 0 },
    };
    let delta = 0;
    const igMs = await timed(async () => {
      delta = (await integratedGradients.run(ctx)).diagnostics!.convergenceDelta!;
    }, repeats);
    // Adaptive steps (tolerance 1%): what most requests would cost with `steps: "auto"`.
    const auto = { ...ctx, params: validateOptions(integratedGradients, { steps: "auto" }) };
    let autoSteps = 0;
    const igAutoMs = await timed(async () => {
      autoSteps = (await integratedGradients.run(auto)).diagnostics!.steps as number;
    }, repeats);
    rows.push({
      tokens: n,
      forwardMs,
      forwardBackwardMs,
      igMs,
      convergenceDelta: delta,
      igAutoMs,
      autoSteps,
    });
    console.error(`${name} ${backend} ${n} tokens: IG ${igMs.toFixed(0)} ms`);
  }
  await model.release();
  console.log(
    JSON.stringify({
      model: name,
      backend,
      threads: THREADS,
      loadMs,
      buildMs,
      rows,
      peakRssMb: peakRssMb(),
      // Other processes on the machine skew every timing: 1-minute load averages at start and end.
      loadAverage: [startLoad, Deno.loadavg()[0]],
    }),
  );
}

async function run(args: string[]): Promise<string> {
  const { code, stdout } = await new Deno.Command(args[0], {
    args: args.slice(1),
    stderr: "inherit",
  })
    .output();
  if (code !== 0) throw new Error(`${args.join(" ")} failed with exit code ${code}`);
  return new TextDecoder().decode(stdout);
}

if (Deno.args[0] === "--child") {
  await child(Deno.args[1], Deno.args[2] as "web" | "node", Number(Deno.args[3]));
} else {
  const flag = (name: string) => Deno.args.indexOf(name);
  const repeats = flag("--repeats") >= 0 ? Number(Deno.args[flag("--repeats") + 1]) : 1;
  const only = flag("--only") >= 0 ? Deno.args[flag("--only") + 1] : undefined;
  const results = [];
  for (const name of MODELS) {
    try {
      await Deno.stat(new URL("onnx/model.onnx", modelDir(name)));
    } catch {
      throw new Error(
        `bench/models/${name} is missing: run /usr/bin/python3 scripts/make_bench_models.py first`,
      );
    }
    const torchLoadAverage = [Deno.loadavg()[0]];
    const torch = flag("--no-torch") >= 0 ? undefined : JSON.parse(
      await run([
        "/usr/bin/python3",
        new URL("scripts/torch_ig_bench.py", root).pathname,
        modelDir(name).pathname,
        "--tokens",
        TOKENS.join(","),
        "--steps",
        String(STEPS),
        "--threads",
        String(THREADS),
        "--repeats",
        String(Math.max(repeats, 1)),
      ]),
    );
    torchLoadAverage.push(Deno.loadavg()[0]);
    const backends = [];
    for (const backend of BACKENDS.filter((b) => !only || b === only)) {
      const out = await run([
        Deno.execPath(),
        "run",
        "-A",
        new URL(import.meta.url).pathname,
        "--child",
        name,
        backend,
        String(repeats),
      ]);
      backends.push(JSON.parse(out.trim().split("\n").pop()!));
    }
    results.push({ model: name, torch, torchLoadAverage, backends });
  }

  const lines = [
    `| model | tokens | backend | IG ${STEPS} steps (ms) | forward (ms) | fwd+bwd (ms) | IG / fwd+bwd | PyTorch IG (ms) | IG / PyTorch | IG steps auto (ms, steps) | peak RSS (MB) |`,
    `|${"---|".repeat(11)}`,
  ];
  for (const r of results) {
    for (const n of TOKENS) {
      const t = r.torch?.results.find((x: { tokens: number }) => x.tokens === n);
      if (t) {
        lines.push(
          `| ${r.model} | ${n} | PyTorch ${r.torch.torch} | ${
            t.integrated_gradients_ms.toFixed(0)
          } | ${t.forward_ms.toFixed(1)} | ${t.forward_backward_ms.toFixed(1)} | ${
            (t.integrated_gradients_ms / t.forward_backward_ms).toFixed(1)
          } | ${t.integrated_gradients_ms.toFixed(0)} | 1.00 | | |`,
        );
      }
      for (const b of r.backends) {
        const row = b.rows.find((x: { tokens: number }) => x.tokens === n);
        lines.push(
          `| ${r.model} | ${n} | onnxruntime-${b.backend} | ${row.igMs.toFixed(0)} | ${
            row.forwardMs.toFixed(1)
          } | ${row.forwardBackwardMs.toFixed(1)} | ${
            (row.igMs / row.forwardBackwardMs).toFixed(1)
          } | ${t ? t.integrated_gradients_ms.toFixed(0) : "-"} | ${
            t ? (row.igMs / t.integrated_gradients_ms).toFixed(2) : "-"
          } | ${row.igAutoMs.toFixed(0)} (${row.autoSteps}) | ${b.peakRssMb.toFixed(0)} |`,
        );
      }
    }
  }
  const table = lines.join("\n");
  console.log(table);
  const report = {
    generated: new Date().toISOString(),
    command: "npx deno run -A bench/ig_bench.ts " + Deno.args.join(" "),
    machine: { cpus: navigator.hardwareConcurrency, threads: THREADS, deno: Deno.version.deno },
    method: {
      id: "integrated-gradients",
      steps: STEPS,
      integration: "gauss-legendre",
      baseline: "zero",
      output: "logit",
      batchSize: "auto (about 2048 tokens per backward run)",
    },
    results,
  };
  await Deno.mkdir(new URL("bench/results/", root), { recursive: true });
  await Deno.writeTextFile(
    new URL("bench/results/ig.json", root),
    JSON.stringify(report, null, 2) + "\n",
  );
  await Deno.writeTextFile(
    new URL("bench/results/ig.md", root),
    `# Integrated gradients benchmark\n\n${report.generated}, \`${report.command}\`, ${THREADS} threads.\n\n${table}\n`,
  );
}
