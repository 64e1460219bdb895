/**
 * The producer side of a distributed corpus job: streams the input into the job's queue in chunks,
 * follows the job's progress from the queue's counts, and discards a job. Memory stays bounded by the
 * chunk batch and the set of item ids seen (the same set a single-machine run keeps to skip repeated
 * ids). Chunk K's BullMQ job id is `chunk-K`: BullMQ ignores a job whose id it already holds, and the
 * producer skips chunks already done, so running the producer again adds nothing twice; it also puts
 * chunks that failed for good back in the queue.
 *
 * @module
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { type CorpusFormat, readCorpus } from "@glassbox/eval";
import {
  CHUNK_OPTIONS,
  chunkCounts,
  type ChunkData,
  type ChunkItem,
  doneItems,
  jobKeys,
  type JobSettings,
  type Produced,
  QUEUE_PREFIX,
} from "./job.ts";

/** Chunks added to the queue per round trip. */
const BATCH = 20;

/**
 * Streams the input into the queue, then records what it enqueued (workers wait for that record
 * before they call the job finished).
 *
 * @param onChunk Called with the items enqueued so far, after each batch.
 */
export async function enqueue(
  redis: Redis,
  queue: Queue<ChunkData>,
  job: string,
  settings: JobSettings,
  onChunk?: (items: number) => void,
): Promise<Produced & { added: number }> {
  const keys = jobKeys(job);
  // Workers must not call the job finished while this run is still adding chunks.
  await redis.del(keys.produced);
  const seen = new Set<string>();
  let seq = 0, repeated = 0, chunk = 0, added = 0;
  let items: ChunkItem[] = [];
  let batch: ChunkData[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const pipeline = redis.pipeline();
    for (const c of batch) {
      pipeline.getbit(keys.done, c.chunk);
      pipeline.exists(`${QUEUE_PREFIX}:${job}:chunk-${c.chunk}`);
    }
    const answers = (await pipeline.exec())!.map(([error, value]) => {
      if (error) throw error;
      return value as number;
    });
    const fresh = batch.filter((_, i) => answers[2 * i] === 0);
    // BullMQ keeps the job it holds under an id; what it does not hold yet is added now.
    added += batch.filter((_, i) => answers[2 * i] === 0 && answers[2 * i + 1] === 0).length;
    await queue.addBulk(fresh.map((data) => ({
      name: "chunk",
      data,
      opts: { ...CHUNK_OPTIONS, jobId: `chunk-${data.chunk}` },
    })));
    batch = [];
    onChunk?.(seq);
  };
  const close = async () => {
    if (!items.length) return;
    batch.push({ chunk: chunk++, items });
    items = [];
    if (batch.length >= BATCH) await flush();
  };
  for await (const item of readCorpus(settings.input, settings.format as CorpusFormat)) {
    if (settings.limit !== undefined && item.seq >= settings.limit) break;
    if (seen.has(item.id)) {
      repeated++;
      continue;
    }
    seen.add(item.id);
    const { id, text, error } = item;
    items.push(error === undefined ? { seq: seq++, id, text } : { seq: seq++, id, text, error });
    if (items.length === settings.chunkSize) await close();
  }
  await close();
  await flush();
  await queue.retryJobs({ state: "failed" });
  const produced: Produced = { items: seq, chunks: chunk, repeated };
  await redis.set(keys.produced, JSON.stringify(produced));
  return { ...produced, added };
}

/** Progress of a job, from the queue's counts. */
export interface JobProgress {
  done: number;
  total: number;
  waiting: number;
  active: number;
  failed: number;
  /** Items per second since following began. */
  rate: number;
  /** Estimated time left (Infinity while nothing has finished). */
  etaMs: number;
}

/**
 * Polls the job's progress until no chunk waits or runs (or the signal fires).
 *
 * @returns The last progress.
 */
export async function follow(
  redis: Redis,
  queue: Queue<ChunkData>,
  job: string,
  produced: Produced,
  onProgress: (progress: JobProgress) => void,
  signal?: AbortSignal,
  everyMs = 1000,
): Promise<JobProgress> {
  const started = performance.now();
  const first = await doneItems(redis, job);
  for (;;) {
    const done = await doneItems(redis, job);
    const counts = await chunkCounts(queue);
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? (done - first) / seconds : 0;
    const left = Math.max(0, produced.items - done);
    const progress: JobProgress = {
      done,
      total: produced.items,
      ...counts,
      rate,
      etaMs: left === 0 ? 0 : rate > 0 ? (left / rate) * 1000 : Infinity,
    };
    onProgress(progress);
    if ((counts.waiting === 0 && counts.active === 0) || signal?.aborted) return progress;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Discards a job: its queue, its keys, and the shards of its results directory. */
export async function deleteJob(
  redis: Redis,
  queue: Queue<ChunkData>,
  job: string,
  settings: JobSettings,
): Promise<void> {
  await queue.obliterate({ force: true });
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", jobKeys(job).all, "COUNT", 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  if (settings.results === "redis") return;
  try {
    for await (const entry of Deno.readDir(settings.results)) {
      if (/^worker-.*\.jsonl$/.test(entry.name)) {
        await Deno.remove(`${settings.results}/${entry.name}`);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
