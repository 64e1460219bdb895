/**
 * Throughput of a distributed corpus run on this machine: items per second of `explain-worker` with 1,
 * 2 and 3 worker processes against a local redis-server, side by side with a single-machine
 * `explain-corpus` run on the same items, for each bundled model (occlusion, no faithfulness: the
 * throughput of the explanations themselves). The queue stays paused until every worker has loaded
 * its model, so process start and model loading (paid once per worker) are left out. Besides items
 * per second (which on a shared machine move with its load), it records items per CPU second of the
 * workers and the Redis server's CPU per item, which do not. Writes bench/results/corpus_queue.json.
 *
 * ```sh
 * npx deno task bench corpus_queue
 * ```
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";

const ROOT = new URL("../", import.meta.url).pathname;
const REDIS = "/usr/bin/redis-server";
const ITEMS = Number(Deno.env.get("GLASSBOX_BENCH_ITEMS") ?? 300);
const MODELS = ["distilbert-sentiment", "gpt2-tiny"];

function deno(script: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function check(child: Deno.ChildProcess, what: string): Promise<string> {
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) throw new Error(`${what} failed (${code}): ${new TextDecoder().decode(stderr)}`);
  return new TextDecoder().decode(stdout);
}

/** Items per second of a single-machine run (its summary's time: model loading left out). */
async function single(model: string, corpus: string, out: string): Promise<number> {
  await check(
    deno("apps/cli/explain_corpus.ts", [
      "--model",
      model,
      "--method",
      "occlusion",
      "--no-faithfulness",
      "--input",
      corpus,
      "--out",
      out,
      "--restart",
    ]),
    "explain-corpus",
  );
  const summary = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
  return ITEMS / (summary.elapsedMs / 1000);
}

/** CPU seconds (user + system) a process has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1].split(" ");
  // Fields 14 and 15 of stat (utime, stime), in clock ticks of 1/100 s.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resolves when a worker says it is working on the job (its model is loaded). */
async function ready(child: Deno.ChildProcess): Promise<void> {
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("working on job")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`a worker ended before it was ready: ${text}`);
    text += value;
  }
  reader.releaseLock();
}

/**
 * Runs the job with `workers` workers; the queue stays paused until every worker has loaded its
 * model, so the rate is that of the workers running together.
 */
async function queued(
  url: string,
  redis: Redis,
  model: string,
  corpus: string,
  workers: number,
  redisPid: number,
): Promise<{ itemsPerSecond: number; itemsPerWorkerCpuSecond: number; redisCpuPerItemMs: number }> {
  const job = `bench-${model}-${workers}`;
  const queue = ["--queue", url, "--job", job];
  await check(
    deno("apps/cli/explain_corpus.ts", [
      ...queue,
      "--model",
      model,
      "--method",
      "occlusion",
      "--no-faithfulness",
      "--input",
      corpus,
      "--chunk-size",
      "10",
      "--restart",
      "--no-wait",
    ]),
    "producer",
  );
  const bull = new Queue(job, {
    connection: { host: "127.0.0.1", port: PORT },
    prefix: "glassbox:bull",
  });
  await bull.pause();
  const children = Array.from({ length: workers }, () => deno("apps/cli/explain_worker.ts", queue));
  await Promise.all(children.map(ready));
  const cpu0 = await Promise.all(children.map((c) => cpuSeconds(c.pid)));
  const redis0 = await cpuSeconds(redisPid);
  const started = performance.now();
  await bull.resume();
  let cpu1 = cpu0, redis1 = redis0;
  while (Number(await redis.get(`glassbox:job:${job}:doneItems`) ?? 0) < ITEMS) {
    cpu1 = await Promise.all(children.map((c) => cpuSeconds(c.pid)));
    redis1 = await cpuSeconds(redisPid);
    await new Promise((r) => setTimeout(r, 20));
  }
  const elapsed = (performance.now() - started) / 1000;
  await bull.close();
  await Promise.all(children.map((c, i) =>
    c.status.then((s) => {
      if (!s.success) throw new Error(`worker ${i} failed (${s.code})`);
    })
  ));
  const cpu = cpu1.reduce((a, b, i) => a + b - cpu0[i], 0);
  return {
    itemsPerSecond: ITEMS / elapsed,
    itemsPerWorkerCpuSecond: ITEMS / cpu,
    redisCpuPerItemMs: ((redis1 - redis0) / ITEMS) * 1000,
  };
}

try {
  Deno.statSync(REDIS);
} catch {
  console.warn(
    `*** SKIPPED: the corpus queue benchmark needs ${REDIS} (apt-get install redis-server)`,
  );
  Deno.exit(0);
}
const dir = await Deno.makeTempDir({ prefix: "glassbox-queue-bench-" });
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const PORT = (listener.addr as Deno.NetAddr).port;
listener.close();
const server = new Deno.Command(REDIS, {
  args: ["--port", String(PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
  stdout: "null",
}).spawn();
await new Promise((r) => setTimeout(r, 300));
const redis = new Redis({ host: "127.0.0.1", port: PORT });
const url = `redis://127.0.0.1:${PORT}/0`;
const rows: Record<string, unknown>[] = [];
try {
  const lines = (await Deno.readTextFile(`${ROOT}testdata/eval/corpus_1000.jsonl`)).split("\n");
  const corpus = `${dir}/corpus.jsonl`;
  await Deno.writeTextFile(corpus, lines.slice(0, ITEMS).join("\n") + "\n");
  for (const model of MODELS) {
    const row: Record<string, unknown> = { model, items: ITEMS };
    row.singleMachine = await single(model, corpus, `${dir}/out-${model}`);
    for (const workers of [1, 2, 3]) {
      row[`workers${workers}`] = await queued(url, redis, model, corpus, workers, server.pid);
    }
    const w = (n: number) => row[`workers${n}`] as Awaited<ReturnType<typeof queued>>;
    console.log(
      `${model}: ${ITEMS} items; one machine ${
        (row.singleMachine as number).toFixed(1)
      } items/s; ` +
        [1, 2, 3].map((n) =>
          `${n} worker(s) ${w(n).itemsPerSecond.toFixed(1)} items/s ` +
          `(${w(n).itemsPerWorkerCpuSecond.toFixed(1)} per worker CPU second, Redis ` +
          `${w(n).redisCpuPerItemMs.toFixed(2)} ms CPU per item)`
        ).join("; "),
    );
    rows.push(row);
  }
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  await Deno.writeTextFile(
    `${ROOT}bench/results/corpus_queue.json`,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        cores: navigator.hardwareConcurrency,
        loadAverageAtEnd: load,
        method: "occlusion (no faithfulness)",
        unit: "items per second with every worker's model loaded (queue paused until then); " +
          "items per CPU second of the workers; Redis server CPU ms per item",
        rows,
      },
      null,
      2,
    ) + "\n",
  );
} finally {
  redis.disconnect();
  server.kill("SIGKILL");
  await server.status;
  await Deno.remove(dir, { recursive: true });
}
