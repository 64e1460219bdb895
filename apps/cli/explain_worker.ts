/**
 * The `explain-worker` command: `npx deno task explain-worker --queue redis://HOST:PORT/DB --job NAME`.
 * One worker of a distributed corpus job made by `explain-corpus --queue ... --job NAME --input FILE`:
 * start any number of them, on any number of machines, each with the same `--queue` and `--job`. The
 * job's settings (model, methods, options) come from Redis. The worker exits 0 when the job has no chunk
 * left; 2 on bad usage or when there is no such job; 1 when Redis stays unreachable past
 * `--redis-timeout` (its chunk in progress then goes back to the queue for another worker).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { positiveInteger, UsageError } from "./flags.ts";
import { exitCodeOf } from "./main.ts";
import { checkJobName } from "./queue/job.ts";
import { parseRedisUrl, RedisUnavailableError } from "./queue/redis.ts";
import { runWorker } from "./queue/worker.ts";

const HELP = `explain-worker: explain the chunks of a corpus job queued in Redis (BullMQ)

Usage: npx deno task explain-worker --queue redis://HOST:PORT/DB --job NAME [options]

  --queue URL            the job's Redis, redis://[user:password@]HOST[:PORT][/DB]
  --job NAME             the job, as given to explain-corpus --queue ... --job NAME
  --backend web|node     onnxruntime-web (default) or onnxruntime-node
  --threads N            onnxruntime-web threads
  --redis-timeout S      give up when Redis is unreachable for S seconds (default 60)

The model, methods and options are the job's. Start one worker per core, on as many machines as you
like; each exits when no chunk is left. Ctrl-C finishes the chunk in progress, then exits.

Exit codes: 0 no chunk left, 2 bad usage or no such job, 1 Redis unreachable or internal failure.`;

async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        queue: { type: "string" },
        job: { type: "string" },
        backend: { type: "string" },
        threads: { type: "string" },
        "redis-timeout": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split("\n")[0]} (--help for options)`);
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.queue) throw new UsageError(`Give the job's Redis with --queue redis://HOST:PORT/DB`);
  parseRedisUrl(values.queue);
  const job = checkJobName(values.job);
  if (values.backend !== undefined && values.backend !== "web" && values.backend !== "node") {
    throw new UsageError(`--backend must be web or node, got "${values.backend}"`);
  }
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) Deno.exit(2);
    console.error("explain-worker: finishing the chunk in progress (Ctrl-C again to stop now)");
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    const report = await runWorker({
      url: values.queue,
      job,
      backend: values.backend as "web" | "node" | undefined,
      threads: values.threads === undefined
        ? undefined
        : positiveInteger("threads", values.threads),
      redisTimeoutMs: positiveInteger("redis-timeout", values["redis-timeout"] ?? "60") * 1000,
      signal: controller.signal,
      log: (line) => console.error(`explain-worker: ${line}`),
    });
    console.log(
      `${report.items} items in ${report.chunks} chunks; ` +
        (controller.signal.aborted ? "stopped" : `job ${job} has no chunk left`) +
        (report.failedChunks ? ` (${report.failedChunks} chunks failed for good)` : ""),
    );
    return 0;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
}

if (import.meta.main) {
  let code: number;
  try {
    code = await run(Deno.args);
  } catch (error) {
    const gone = error instanceof RedisUnavailableError;
    code = gone ? 1 : exitCodeOf(error);
    const message = String((error as Error)?.message ?? error).split("\n")[0];
    console.error(`explain-worker: ${code === 1 && !gone ? "internal error: " : ""}${message}`);
  }
  Deno.exit(code);
}
