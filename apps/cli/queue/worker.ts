/**
 * A worker of a distributed corpus job: loads the model named in the job's settings, takes chunks
 * from the job's BullMQ queue one at a time, explains their items with the job's methods and options
 * (the same {@link explainItem} as a single-machine run), and writes each item's record to the job's
 * results store as it finishes. Items the producer found unreadable (bad UTF-8, a JSONL line that is
 * not an item) and items the model refuses (empty, too long) are recorded with their error. A chunk
 * that throws anything else is retried by BullMQ (3 attempts), and a chunk whose worker dies goes back
 * to the queue when its lock runs out. The worker returns when the producer has enqueued everything and
 * no chunk is waiting or running.
 *
 * @module
 */
import { Worker } from "bullmq";
import { InputError, loadModel } from "@glassbox/core";
import { explainItem, type ItemRecord } from "@glassbox/eval";
import { connectRedis, describeRedis } from "./redis.ts";
import {
  CHUNK_OPTIONS,
  chunkCounts,
  type ChunkData,
  jobKeys,
  jobQueue,
  loadProduced,
  loadSettings,
  markChunkDone,
  QUEUE_PREFIX,
} from "./job.ts";
import { openWriter } from "./results.ts";

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /** `redis://HOST:PORT/DB`. */
  url: string;
  job: string;
  backend?: "web" | "node";
  threads?: number;
  /** Give up when Redis is unreachable this long. */
  redisTimeoutMs: number;
  /** Stop taking chunks (the one in progress is finished first). */
  signal?: AbortSignal;
  /** Lines for the operator (stderr). */
  log: (line: string) => void;
}

/** What one worker did. */
export interface WorkerReport {
  items: number;
  chunks: number;
  /** Chunks of the job that failed for good (after BullMQ's retries). */
  failedChunks: number;
}

/**
 * Runs a worker until the job has no chunk left (or the signal fires).
 *
 * @throws InputError when there is no such job; RedisUnavailableError when Redis stays away.
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerReport> {
  const { job, log } = options;
  const conn = connectRedis(options.url, options.redisTimeoutMs);
  const { redis } = conn;
  const guard = <T>(p: Promise<T>) => Promise.race([p, conn.lost]);
  let gone = false;
  conn.lost.catch(() => gone = true);
  try {
    const settings = await guard(loadSettings(redis, job));
    if (!settings) {
      throw new InputError(
        `No job "${job}" at ${describeRedis(options.url)}; ` +
          `create it with explain-corpus --queue ${
            describeRedis(options.url)
          } --job ${job} --input FILE`,
      );
    }
    const model = await loadModel(settings.model, {
      backend: options.backend,
      threads: options.threads,
    });
    const writer = await openWriter(redis, job, settings);
    const queue = jobQueue(job, conn.options);
    const report: WorkerReport = { items: 0, chunks: 0, failedChunks: 0 };
    let attention = settings.attentionStats;
    const worker = new Worker<ChunkData>(job, async (chunkJob) => {
      const { chunk, items } = chunkJob.data;
      const recorded = await writer.recorded(chunk);
      for (const item of items) {
        if (recorded.has(item.seq)) continue;
        let record: ItemRecord = { id: item.id, text: item.text, error: item.error };
        if (item.error === undefined) {
          const result = await explainItem(model, item, { ...settings, attentionStats: attention });
          record = result.record;
          if (result.noAttention) {
            attention = false;
            await redis.sadd(jobKeys(job).notices, result.noAttention);
          }
        }
        await writer.put(chunk, item.seq, record);
        report.items++;
      }
      await markChunkDone(redis, job, chunk, items.length);
      report.chunks++;
    }, {
      connection: conn.options,
      prefix: QUEUE_PREFIX,
      // Shown as the chunk's processedBy: which machine and process holds it.
      name: `${Deno.hostname()}-${Deno.pid}`,
      concurrency: 1,
      lockDuration: settings.stallMs,
      stalledInterval: settings.stallMs,
      // A chunk may outlive several dead workers before it counts as failing.
      maxStalledCount: 5,
    });
    worker.on("error", () => {});
    worker.on("stalled", (id) => {
      log(`chunk ${id} was held by a worker that stopped; it goes back to the queue`);
    });
    worker.on("failed", (chunkJob, error) => {
      if (!chunkJob) return;
      const attempt = `attempt ${chunkJob.attemptsMade} of ${CHUNK_OPTIONS.attempts}`;
      log(`chunk ${chunkJob.id} failed (${attempt}): ${error.message.split("\n")[0]}`);
    });
    log(
      `working on job ${job} at ${describeRedis(options.url)}: ${settings.methods.join(", ")} ` +
        `on ${settings.model}, results to ${settings.results}`,
    );
    try {
      // Done when everything is enqueued and no chunk waits or runs (a dead worker's chunk stays
      // active until its lock runs out and a live worker's stalled check moves it back).
      const finished = new Promise<void>((resolve, reject) => {
        const poll = async () => {
          try {
            if (options.signal?.aborted) return resolve();
            const produced = await loadProduced(redis, job);
            const counts = await chunkCounts(queue);
            if (produced && counts.waiting === 0 && counts.active === 0) {
              report.failedChunks = counts.failed;
              return resolve();
            }
            setTimeout(poll, 500);
          } catch (error) {
            reject(error);
          }
        };
        poll();
      });
      await guard(finished);
      await guard(worker.close());
    } finally {
      writer.close();
      await model.release();
      // With Redis gone, closing would wait for it forever.
      if (!gone) await queue.close();
    }
    return report;
  } finally {
    conn.close();
  }
}
