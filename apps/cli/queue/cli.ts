/**
 * `explain-corpus --queue redis://HOST:PORT/DB --job NAME ...`: the command line of a distributed
 * corpus run. With `--input FILE` it is the producer: it checks the settings (methods, options, that
 * the model loads), stores them with the job, streams the input into the queue, then follows the
 * progress until no chunk is left (`--no-wait` returns after enqueuing) and, given `--out DIR`,
 * collects. With `--collect --out DIR` it merges the job's results into the files of a single-machine
 * run. The single-machine flags (`--model`, `--method`, method options, `--limit`...) mean what they
 * mean there; explain_corpus.ts parses them, with the functions it passes in (this module is loaded
 * from it, so importing them back would wait for it forever).
 *
 * @module
 */
import { InputError, loadModel } from "@glassbox/core";
import { corpusFormat } from "@glassbox/eval";
import type { Redis } from "ioredis";
import { positiveInteger, UsageError } from "../flags.ts";
import type { paramsByMethod, parseCorpusArgs } from "../explain_corpus.ts";
import { collect } from "./collect.ts";
import {
  checkJobName,
  jobKeys,
  jobQueue,
  type JobSettings,
  loadProduced,
  loadSettings,
} from "./job.ts";
import { deleteJob, enqueue, follow, type JobProgress } from "./producer.ts";
import { connectRedis, describeRedis, RedisUnavailableError } from "./redis.ts";

const VALUE = new Set([
  "queue",
  "job",
  "results",
  "chunk-size",
  "stall-ms",
  "redis-timeout",
  "format",
]);
const FLAG = new Set(["collect", "no-wait"]);
const COLLECT_ALSO = new Set(["out", "top-words", "min-count"]);

/** Splits the queue's flags off a command line; the rest is explain-corpus's. */
function splitArgs(argv: readonly string[]): { queue: Record<string, string>; rest: string[] } {
  const queue: Record<string, string> = {}, rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--")
      ? argv[i].slice(2).split(/=(.*)/s, 2) as [string, string | undefined]
      : ["", undefined];
    if (FLAG.has(flag)) queue[flag] = "true";
    else if (VALUE.has(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${flag} needs a value`);
      queue[flag] = value;
    } else rest.push(argv[i]);
  }
  return { queue, rest };
}

const clock = (ms: number) =>
  Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 19) : "--:--:--";

/** One progress line per 10% (a line redrawn in place on a terminal). */
function progressLine(): (p: JobProgress) => void {
  const tty = Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  let lastTenth = -1;
  return (p) => {
    const fraction = p.total ? p.done / p.total : 1;
    const tenth = Math.floor(fraction * 10);
    if (!tty && tenth === lastTenth) return;
    lastTenth = tenth;
    const width = 24, filled = Math.round(fraction * width);
    const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${p.done}/${p.total} ` +
      `${Math.floor(fraction * 100)}% ${p.rate.toFixed(1)} items/s ETA ${clock(p.etaMs)} ` +
      `(chunks: ${p.active} running, ${p.waiting} waiting, ${p.failed} failed)`;
    Deno.stderr.writeSync(encoder.encode(tty ? `\r\x1b[2K${line}` : `${line}\n`));
  };
}

/** explain-corpus's own parsing of its flags. */
export interface CorpusFlags {
  parseCorpusArgs: typeof parseCorpusArgs;
  paramsByMethod: typeof paramsByMethod;
}

type CorpusArgs = ReturnType<typeof parseCorpusArgs>;

/** Runs `explain-corpus --queue ...`; returns the exit code. */
export async function runQueued(argv: readonly string[], flags: CorpusFlags): Promise<number> {
  const { queue: q, rest } = splitArgs(argv);
  const args = flags.parseCorpusArgs(rest);
  const url = q.queue;
  const job = checkJobName(q.job);
  const timeoutMs = positiveInteger("redis-timeout", q["redis-timeout"] ?? "60") * 1000;
  if (q.collect) {
    const extra = rest.find((a) =>
      a.startsWith("--") && !COLLECT_ALSO.has(a.slice(2).split("=")[0])
    );
    if (extra) {
      throw new UsageError(
        `--collect takes the job's settings from Redis; ${extra.split("=")[0]} does not go with it`,
      );
    }
    if (!args.out) throw new UsageError(`Give the output directory with --out DIR`);
  } else if (!args.input) {
    throw new UsageError(`Give the corpus with --input FILE (or --collect --out DIR to merge)`);
  }
  const formats = ["auto", "jsonl", "text", "csv", "dir"];
  if (q.format !== undefined && !formats.includes(q.format)) {
    throw new UsageError(`--format must be one of ${formats.join(", ")}, got "${q.format}"`);
  }
  const conn = connectRedis(url, timeoutMs);
  const guard = <T>(p: Promise<T>) => Promise.race([p, conn.lost]);
  const queue = jobQueue(job, conn.options);
  let gone = false;
  conn.lost.catch(() => gone = true);
  try {
    const stored = await guard(loadSettings(conn.redis, job));
    if (q.collect) return await guard(collectJob(conn.redis, job, url, stored, args.out!, args));
    const settings = await settingsOf(args, q, flags.paramsByMethod(args.methods, args.options));
    if (stored && args.restart) await guard(deleteJob(conn.redis, queue, job, stored));
    else if (stored && JSON.stringify(stored) !== JSON.stringify(settings)) {
      throw new InputError(
        `Job ${job} holds other settings (${JSON.stringify(stored)}); ` +
          `use another --job, or --restart to discard it`,
      );
    }
    const keys = jobKeys(job);
    await guard(conn.redis.set(keys.settings, JSON.stringify(settings)));
    await guard(conn.redis.set(keys.createdAt, String(Date.now()), "NX"));
    const produced = await guard(enqueue(conn.redis, queue, job, settings));
    console.error(
      `explain-corpus: job ${job} at ${describeRedis(url)}: ${produced.items} items in ` +
        `${produced.chunks} chunks (${produced.added} queued now)` +
        (produced.repeated ? ` (${produced.repeated} repeated ids skipped)` : "") +
        `; start workers with: npx deno task explain-worker --queue ${
          describeRedis(url)
        } --job ${job}`,
    );
    if (q["no-wait"]) return 0;
    const controller = new AbortController();
    const stop = () => controller.abort();
    Deno.addSignalListener("SIGINT", stop);
    let last: JobProgress;
    try {
      last = await guard(
        follow(conn.redis, queue, job, produced, progressLine(), controller.signal),
      );
    } finally {
      Deno.removeSignalListener("SIGINT", stop);
    }
    if (Deno.stderr.isTerminal()) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
    if (controller.signal.aborted) {
      console.log(`stopped following job ${job}; its chunks stay queued for the workers`);
      return 0;
    }
    if (args.out) return await guard(collectJob(conn.redis, job, url, settings, args.out, args));
    console.log(
      `${last.done} of ${last.total} items done in job ${job}` +
        (last.failed ? ` (${last.failed} chunks failed: run this again to retry them)` : "") +
        `; merge with: explain-corpus --queue ${
          describeRedis(url)
        } --job ${job} --collect --out DIR`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    console.error(`explain-corpus: ${error.message}`);
    return 1;
  } finally {
    if (!gone) await queue.close();
    conn.close();
  }
}

/** The job's settings from the command line; loads the model once to refuse what would not run. */
async function settingsOf(
  args: CorpusArgs,
  q: Record<string, string>,
  params: JobSettings["params"],
): Promise<JobSettings> {
  const model = await loadModel(args.model, { backend: args.backend, threads: args.threads });
  const modelInfo = { id: model.id, task: model.task, architecture: model.architecture };
  await model.release();
  let results = q.results ?? "redis";
  if (results !== "redis") {
    await Deno.mkdir(results, { recursive: true });
    results = await Deno.realPath(results);
  }
  return {
    model: args.model,
    modelInfo,
    methods: args.methods,
    params,
    faithfulness: args.faithfulness,
    attentionStats: args.attentionStats ?? args.methods.some((m) => m.startsWith("attention")),
    input: args.input!,
    format: await corpusFormat(args.input!, (q.format ?? args.format ?? "auto") as "auto"),
    limit: args.limit,
    chunkSize: positiveInteger("chunk-size", q["chunk-size"] ?? "100"),
    stallMs: positiveInteger("stall-ms", q["stall-ms"] ?? "30000"),
    results,
  };
}

async function collectJob(
  redis: Redis,
  job: string,
  url: string,
  settings: JobSettings | undefined,
  out: string,
  args: CorpusArgs,
): Promise<number> {
  if (!settings) {
    throw new InputError(`No job "${job}" at ${describeRedis(url)}; nothing to collect`);
  }
  const produced = await loadProduced(redis, job);
  if (!produced) {
    throw new InputError(
      `Job ${job} is not fully enqueued (its producer is running or was stopped): run it again first`,
    );
  }
  const { summary, missing } = await collect(redis, job, settings, produced, out, {
    topWords: args.topWords,
    minCount: args.minCount,
  });
  for (const notice of summary.notices) console.error(`explain-corpus: ${notice}`);
  console.log(
    `${summary.items} items (${summary.errors} not explainable, ${missing} without a result yet) ` +
      `in ${out}: items.jsonl, summary.json, report.html`,
  );
  return 0;
}
