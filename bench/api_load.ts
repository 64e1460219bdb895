/**
 * Load test of the API with autocannon (npm) against a local Deno server (`apps/api/deno.ts`, native
 * backend, the default limits except the per-client rate limit, which is off because every request
 * comes from one address):
 *
 * 1. throughput and p50/p99 latency of `POST /v1/predict` and `POST /v1/explain` (occlusion) at
 *    `concurrency` connections, which keeps every computation slot busy without queueing;
 * 2. twice the saturating load: the server admits `concurrency + queueSize` requests at once (the
 *    slots plus the queue), so twice that many connections must get 429s, and no 5xx;
 * 3. 10,000 predict requests with the server's resident memory sampled throughout, after 10,000
 *    of warm-up.
 *
 * Results go to bench/results/api_load.json. Run: `deno run -A bench/api_load.ts` (about 1.5 minutes).
 */
import { DEFAULT_LIMITS } from "../apps/api/app.ts";

const ROOT = new URL("../", import.meta.url);
const AUTOCANNON = new URL("node_modules/.bin/autocannon", ROOT).pathname;
const DURATION = 10;
/** The bundled sentiment classifier. */
const MODEL = "distilbert-sentiment";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

const port = freePort();
const origin = `http://127.0.0.1:${port}`;
const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "apps/api/deno.ts"],
  cwd: ROOT.pathname,
  env: {
    PORT: String(port),
    HOST: "127.0.0.1",
    GLASSBOX_MODELS: MODEL,
    GLASSBOX_RATE_LIMIT: "off",
  },
  stdout: "null",
  stderr: "inherit",
}).spawn();

/** Resident memory of the server process, in MB (Linux). */
async function rssMb(): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${server.pid}/status`);
  return Number(status.match(/VmRSS:\s+(\d+) kB/)![1]) / 1024;
}

interface Run {
  connections: number;
  requests: number;
  durationS: number;
  throughputRps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  status: Record<string, number>;
  errors: number;
  timeouts: number;
}

async function autocannon(
  path: string,
  body: unknown,
  connections: number,
  limit: { duration?: number; amount?: number },
): Promise<Run> {
  const args = [
    "--json",
    "-c",
    String(connections),
    "-m",
    "POST",
    "-H",
    "content-type=application/json",
    "-b",
    JSON.stringify(body),
    ...(limit.amount ? ["-a", String(limit.amount)] : ["-d", String(limit.duration)]),
    origin + path,
  ];
  const { stdout, code } = await new Deno.Command(AUTOCANNON, { args, stderr: "null" }).output();
  if (code !== 0) throw new Error(`autocannon exited with ${code}`);
  const r = JSON.parse(new TextDecoder().decode(stdout));
  const status: Record<string, number> = {};
  for (
    const [code, { count }] of Object.entries(r.statusCodeStats ?? {}) as [
      string,
      { count: number },
    ][]
  ) {
    status[code] = count;
  }
  return {
    connections,
    requests: r.requests.total,
    durationS: r.duration,
    throughputRps: Math.round(r.requests.average * 10) / 10,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    status,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

try {
  for (const deadline = Date.now() + 60_000;;) {
    try {
      const response = await fetch(`${origin}/readyz`);
      await response.body?.cancel();
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error("the API did not become ready in 60 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  const { concurrency, queueSize } = DEFAULT_LIMITS;
  const predictBody = { text: "What a wonderful, surprisingly moving film." };
  const explainBody = { ...predictBody, method: "occlusion" };
  // Warm-up: first runs compile kernels and fill caches.
  await autocannon("/v1/predict", predictBody, 2, { amount: 200 });
  await autocannon("/v1/explain", explainBody, 2, { amount: 100 });

  console.log("predict...");
  const predict = await autocannon("/v1/predict", predictBody, concurrency, { duration: DURATION });
  console.log("occlusion...");
  const occlusion = await autocannon("/v1/explain", explainBody, concurrency, {
    duration: DURATION,
  });
  const saturating = concurrency + queueSize;
  console.log(`overload (${2 * saturating} connections)...`);
  const overload = await autocannon("/v1/explain", explainBody, 2 * saturating, {
    duration: DURATION,
  });

  // The heap grows while V8 and the allocators warm up (measured: 221 -> 260 MB over the first
  // 10,000 predict requests, then 260 -> 262 MB over the next 40,000): warm up with 10,000, then
  // watch the next 10,000.
  console.log("memory: 10,000 requests of warm-up, then 10,000 watched...");
  const beforeWarmUp = await rssMb();
  await autocannon("/v1/predict", predictBody, concurrency * 2, { amount: 10_000 });
  const samples: { atS: number; rssMb: number }[] = [];
  const started = Date.now();
  const sampler = setInterval(async () => {
    samples.push({ atS: (Date.now() - started) / 1000, rssMb: await rssMb() });
  }, 250);
  const before = await rssMb();
  const memoryRun = await autocannon("/v1/predict", predictBody, concurrency * 2, {
    amount: 10_000,
  });
  clearInterval(sampler);
  const after = await rssMb();
  const half = samples.slice(Math.floor(samples.length / 2)).map((s) => s.rssMb);
  const first = samples.slice(0, Math.floor(samples.length / 2)).map((s) => s.rssMb);

  const fivexx = (run: Run) =>
    Object.entries(run.status).filter(([c]) => c.startsWith("5")).reduce((a, [, n]) => a + n, 0);
  const results = {
    date: new Date().toISOString(),
    machine: `${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}`,
    // Other jobs share the machine; the 1-minute load average at the end puts the numbers in context.
    loadAverage: (await Deno.readTextFile("/proc/loadavg")).split(" ")[0],
    server: {
      entry: "apps/api/deno.ts",
      backend: "node (onnxruntime-node)",
      model: MODEL,
      limits: { ...DEFAULT_LIMITS, rateLimit: null },
    },
    text: predictBody.text,
    predict,
    occlusion,
    overload: {
      ...overload,
      saturatingConnections: saturating,
      ok: overload.status["429"] > 0 && fivexx(overload) === 0 && overload.errors === 0,
    },
    memory: {
      rssBeforeWarmUpMb: Math.round(beforeWarmUp),
      warmUpRequests: 10_000,
      requests: memoryRun.requests,
      status: memoryRun.status,
      rssBeforeMb: Math.round(before),
      rssAfterMb: Math.round(after),
      rssMaxFirstHalfMb: Math.round(Math.max(...first)),
      rssMaxSecondHalfMb: Math.round(Math.max(...half)),
      samples: samples.map((s) => ({
        atS: Math.round(s.atS * 10) / 10,
        rssMb: Math.round(s.rssMb),
      })),
    },
  };
  await Deno.mkdir(new URL("bench/results/", ROOT), { recursive: true });
  await Deno.writeTextFile(
    new URL("bench/results/api_load.json", ROOT),
    JSON.stringify(results, null, 2) + "\n",
  );
  const line = (name: string, r: Run) =>
    `${name.padEnd(10)} ${String(r.connections).padStart(3)} conn  ${
      r.throughputRps.toFixed(1).padStart(7)
    } req/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  status ${
      JSON.stringify(r.status)
    }`;
  console.log(line("predict", predict));
  console.log(line("occlusion", occlusion));
  console.log(line("overload", overload));
  console.log(
    `memory     warm-up ${results.memory.rssBeforeWarmUpMb} -> ${results.memory.rssBeforeMb} MB, ` +
      `then 10,000 requests: RSS ${results.memory.rssBeforeMb} -> ${results.memory.rssAfterMb} MB ` +
      `(max first half ${results.memory.rssMaxFirstHalfMb}, second half ${results.memory.rssMaxSecondHalfMb})`,
  );
  if (!results.overload.ok) {
    console.error("overload: expected 429s and no 5xx or socket errors");
    Deno.exitCode = 1;
  }
} finally {
  server.kill("SIGTERM");
  await server.status;
}
