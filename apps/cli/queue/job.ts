/**
 * A distributed corpus job in Redis: its settings (stored once by the producer, read by every worker,
 * so that all of them run the same model, methods and options), the BullMQ queue of its chunks, and the
 * keys that track progress. Key layout, for a job NAME:
 *
 * - `glassbox:job:NAME:settings`: {@link JobSettings} as JSON;
 * - `glassbox:job:NAME:produced`: {@link Produced} as JSON, once every chunk is enqueued;
 * - `glassbox:job:NAME:done`: a bitmap of finished chunks; `:doneItems` their item count;
 *   `:createdAt` when the job was made and `:lastDoneAt` when its last chunk finished (ms since the
 *   epoch);
 * - `glassbox:job:NAME:notices`: a set of things the summary must say;
 * - `glassbox:job:NAME:results:K`: the records of chunk K, when results go to Redis (results.ts);
 * - `glassbox:bull:NAME:*`: BullMQ's keys of the queue, whose job ids are `K` (chunk K holds items
 *   K * chunkSize .. (K + 1) * chunkSize - 1 in input order: the same input gives the same chunks, so
 *   re-running the producer adds nothing twice).
 *
 * @module
 */
import { type ConnectionOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { CorpusSummary } from "@glassbox/eval";
import { UsageError } from "../flags.ts";

/** What every worker of a job runs, and how the job was made. */
export interface JobSettings {
  /** The `--model` argument every worker loads (a bundled name, a directory, a URL). */
  model: string;
  /** What the producer found when it loaded the model, for the summary. */
  modelInfo: CorpusSummary["model"];
  methods: string[];
  params: Record<string, Record<string, unknown>>;
  faithfulness: boolean;
  attentionStats: boolean;
  /** Input path, as given to the producer, and the format it was read as. */
  input: string;
  format: string;
  limit?: number;
  chunkSize: number;
  /** A worker holding a chunk renews its lock at half this period; a chunk whose lock runs out is retried. */
  stallMs: number;
  /** `redis`, or the directory (absolute path) of the JSONL shards. */
  results: string;
}

/** What the producer enqueued. */
export interface Produced {
  items: number;
  chunks: number;
  /** Items skipped because their id came earlier in the input. */
  repeated: number;
}

/** One item in a chunk. */
export interface ChunkItem {
  /** Position in the job (input order, repeated ids left out), from 0. */
  seq: number;
  id: string;
  text: string;
  error?: string;
}

/** The data of one BullMQ job: a chunk of items. */
export interface ChunkData {
  chunk: number;
  items: ChunkItem[];
}

/** Redis keys of a job. */
export function jobKeys(job: string) {
  const base = `glassbox:job:${job}`;
  return {
    settings: `${base}:settings`,
    produced: `${base}:produced`,
    done: `${base}:done`,
    doneItems: `${base}:doneItems`,
    createdAt: `${base}:createdAt`,
    lastDoneAt: `${base}:lastDoneAt`,
    notices: `${base}:notices`,
    results: (chunk: number) => `${base}:results:${chunk}`,
    all: `${base}:*`,
  };
}

/** BullMQ's key prefix for the queues of glassbox jobs. */
export const QUEUE_PREFIX = "glassbox:bull";

/** Options of every chunk: BullMQ retries a chunk that throws twice more, after 1 s and 2 s. */
export const CHUNK_OPTIONS = {
  attempts: 3,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: true,
  removeOnFail: false,
} as const;

/** Checks a job name: it becomes part of Redis keys. */
export function checkJobName(name: string | undefined): string {
  if (!name) throw new UsageError(`Give the job's name with --job NAME`);
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name)) {
    throw new UsageError(
      `--job must be 1 to 100 letters, digits, ".", "_" or "-", got "${name}"`,
    );
  }
  return name;
}

/** The queue of a job's chunks. */
export function jobQueue(job: string, connection: ConnectionOptions): Queue<ChunkData> {
  const queue: Queue<ChunkData> = new Queue(job, { connection, prefix: QUEUE_PREFIX });
  // Outages are the connection watchdog's business (redis.ts); without a listener they would be logged.
  queue.on("error", () => {});
  return queue;
}

/** The job's settings, or undefined when there is no such job. */
export async function loadSettings(redis: Redis, job: string): Promise<JobSettings | undefined> {
  const json = await redis.get(jobKeys(job).settings);
  return json === null ? undefined : JSON.parse(json) as JobSettings;
}

/** What the producer enqueued, or undefined while it has not finished. */
export async function loadProduced(redis: Redis, job: string): Promise<Produced | undefined> {
  const json = await redis.get(jobKeys(job).produced);
  return json === null ? undefined : JSON.parse(json) as Produced;
}

// Marks chunk ARGV[1] done, counting its ARGV[2] items once however often it runs.
const MARK_DONE = `if redis.call('SETBIT', KEYS[1], ARGV[1], 1) == 0 then
  redis.call('INCRBY', KEYS[2], ARGV[2])
  redis.call('SET', KEYS[3], ARGV[3])
end
return 1`;

/** Records that a chunk's items all have results. */
export async function markChunkDone(
  redis: Redis,
  job: string,
  chunk: number,
  items: number,
): Promise<void> {
  const k = jobKeys(job);
  await redis.eval(MARK_DONE, 3, k.done, k.doneItems, k.lastDoneAt, chunk, items, Date.now());
}

/** Items in finished chunks. */
export async function doneItems(redis: Redis, job: string): Promise<number> {
  return Number(await redis.get(jobKeys(job).doneItems) ?? 0);
}

/** Chunks waiting, running or failed. */
export async function chunkCounts(
  queue: Queue<ChunkData>,
): Promise<{ waiting: number; active: number; failed: number }> {
  // A paused queue's chunks stay in its waiting list.
  const c = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "failed");
  return {
    waiting: c.waiting + c.delayed + c.prioritized,
    active: c.active,
    failed: c.failed,
  };
}
