/**
 * predict() latency of the bundled models at 8, 32 and 128 tokens, session load time and peak memory,
 * with onnxruntime-web and onnxruntime-node, side by side in one run. Each (model, backend) pair runs
 * in its own process so its peak memory (VmHWM) is its own.
 *
 * Run: `npx deno run -A bench/predict_bench.ts` (or `npx deno task bench`). Writes
 * bench/results/predict.json and bench/results/predict.md.
 */
import { loadModel, type Model, predict } from "@glassbox/core";

const MODELS = ["distilbert-sentiment", "gpt2-tiny"];
const BACKENDS = ["web", "node"] as const;
const LENGTHS = [8, 32, 128];
const RUNS = 30;

/** A text of exactly `n` tokens for this model. */
function textOf(model: Model, n: number): string {
  const words = "the quick brown fox jumps over a lazy dog while it rains".split(" ");
  let text = "";
  for (let i = 0; model.tokenizer.encode(text + words[i % words.length]).ids.length <= n; i++) {
    text += words[i % words.length] + " ";
  }
  text = text.trimEnd();
  const got = model.tokenizer.encode(text).ids.length;
  if (got !== n) throw new Error(`could not build a ${n}-token text (got ${got})`);
  return text;
}

function peakRssMb(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function child(name: string, backend: "web" | "node") {
  const t0 = performance.now();
  const model = await loadModel(name, { backend });
  const loadMs = performance.now() - t0;
  const latency: Record<number, number> = {};
  for (const n of LENGTHS) {
    const text = textOf(model, n);
    for (let i = 0; i < 3; i++) await predict(model, text);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      await predict(model, text);
      times.push(performance.now() - s);
    }
    latency[n] = median(times);
  }
  await model.release();
  console.log(JSON.stringify({ model: name, backend, loadMs, latency, peakRssMb: peakRssMb() }));
}

if (Deno.args[0] === "--child") {
  await child(Deno.args[1], Deno.args[2] as "web" | "node");
} else {
  const rows = [];
  for (const name of MODELS) {
    for (const backend of BACKENDS) {
      const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL(import.meta.url).pathname, "--child", name, backend],
      }).output();
      if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
      rows.push(JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").pop()!));
    }
  }
  const header = `| model | backend | load (ms) | ${
    LENGTHS.map((n) => `predict ${n} tok (ms)`).join(" | ")
  } | peak RSS (MB) |`;
  const lines = [header, `|${"---|".repeat(4 + LENGTHS.length)}`];
  for (const r of rows) {
    lines.push(
      `| ${r.model} | onnxruntime-${r.backend} | ${r.loadMs.toFixed(0)} | ${
        LENGTHS.map((n) => r.latency[n].toFixed(2)).join(" | ")
      } | ${r.peakRssMb.toFixed(0)} |`,
    );
  }
  const table = lines.join("\n");
  console.log(table);
  const meta = {
    date: new Date().toISOString(),
    cores: navigator.hardwareConcurrency,
    loadAverage: Deno.loadavg(),
    deno: Deno.version.deno,
    runs: RUNS,
    statistic: "median",
  };
  await Deno.writeTextFile(
    new URL("results/predict.json", import.meta.url),
    JSON.stringify({ ...meta, rows }, null, 2) + "\n",
  );
  await Deno.writeTextFile(
    new URL("results/predict.md", import.meta.url),
    `# predict() latency\n\n${meta.date}, ${meta.cores} cores (load average ${
      meta.loadAverage[0].toFixed(2)
    } at the end), Deno ${meta.deno}, median of ${RUNS} runs after 3 warm-up runs, onnxruntime-web with 1 thread.\nCommand: \`npx deno run -A bench/predict_bench.ts\`\n\n${table}\n`,
  );
}
