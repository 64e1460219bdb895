/**
 * `explain-corpus --queue ... --job NAME --collect --out DIR`: merges the per-item records of a
 * distributed job into the files a single-machine run writes, `DIR/items.jsonl`, `DIR/summary.json`
 * and `DIR/report.html`. Records are read in input order, each item once (results.ts), and folded with
 * the single-machine run's own aggregate and summary code, so the two runs' aggregates are equal on
 * the same items. Items without a result yet (chunks waiting, running or failed) are counted and said;
 * the summary is then marked incomplete. Memory is bounded: one chunk of records (Redis) or the shard
 * index (a directory) at a time.
 *
 * @module
 */
import type { Redis } from "ioredis";
import {
  type AggregateOptions,
  CorpusAggregate,
  type CorpusSummary,
  writeSummary,
} from "@glassbox/eval";
import { jobKeys, type JobSettings, type Produced } from "./job.ts";
import { readResults } from "./results.ts";

/** The summary, and how many items had no result. */
export interface Collected {
  summary: CorpusSummary;
  missing: number;
}

/** Merges a job's results into `out`. */
export async function collect(
  redis: Redis,
  job: string,
  settings: JobSettings,
  produced: Produced,
  out: string,
  options: AggregateOptions,
): Promise<Collected> {
  const keys = jobKeys(job);
  await Deno.mkdir(out, { recursive: true });
  const aggregate = new CorpusAggregate(options);
  const file = await Deno.open(`${out}/items.jsonl`, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  const memory: CorpusSummary["memory"] = [];
  const sampleEvery = Math.max(1, Math.floor(produced.items / 50));
  const sample = (items: number) => {
    memory.push({ items, rssMB: Math.round(Deno.memoryUsage().rss / 1e5) / 10 });
  };
  let missing = 0, pending = "";
  const writePending = async () => {
    const bytes = encoder.encode(pending);
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    pending = "";
  };
  try {
    sample(0);
    for await (const { seq, record } of readResults(redis, job, settings, produced.items)) {
      if (!record) {
        missing++;
        continue;
      }
      aggregate.add(record);
      pending += JSON.stringify(record) + "\n";
      if (pending.length > 1 << 20) await writePending();
      if ((seq + 1) % sampleEvery === 0) sample(aggregate.items);
    }
    await writePending();
  } finally {
    file.close();
  }
  sample(aggregate.items);
  const notices = (await redis.smembers(keys.notices)).sort();
  if (missing) {
    notices.push(
      `${missing} of ${produced.items} items have no result yet: their chunks are waiting, running ` +
        `or failed (run the producer again to retry failed chunks, then collect again)`,
    );
  }
  const [createdAt, lastDoneAt] = await redis.mget(keys.createdAt, keys.lastDoneAt);
  const summary = await writeSummary(out, aggregate, {
    model: settings.modelInfo,
    methods: settings.methods,
    input: settings.input,
    complete: missing === 0,
    resumed: 0,
    notices,
    memory,
    elapsedMs: createdAt && lastDoneAt ? Math.max(0, Number(lastDoneAt) - Number(createdAt)) : 0,
  });
  return { summary, missing };
}
