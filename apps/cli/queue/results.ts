/**
 * Where the workers of a distributed corpus job put their per-item records, and how `--collect` reads
 * them back: each item exactly once, in input order, whatever retries did. Two stores:
 *
 * - Redis: a hash per chunk, field = the item's position, written with HSETNX, so the first record
 *   of an item wins and a retried chunk skips the items it finds there.
 * - A directory: one JSONL shard per worker process (`worker-HOST-PID-RANDOM.jsonl`), lines
 *   `{"seq": N, "record": {...}}` appended as items finish. A chunk retried after its worker died is
 *   redone, so an item can be in two shards; collecting indexes the shards (16 bytes per item: shard,
 *   offset, length of the first complete line of each item) and reads the records in input order. A
 *   torn last line (a worker killed in the middle of a write) is not a record and is passed over.
 *
 * Reading in input order is what makes the merged summary equal to a single-machine run's: the
 * aggregates are sums, and floating-point sums depend on the order of their terms.
 *
 * @module
 */
import type { Redis } from "ioredis";
import type { ItemRecord } from "@glassbox/eval";
import { readByteLines } from "@glassbox/eval";
import { jobKeys, type JobSettings } from "./job.ts";

/** A worker's side of the results store. */
export interface ResultWriter {
  /** Positions of the chunk's items already recorded (by a worker that died, say). */
  recorded(chunk: number): Promise<Set<number>>;
  put(chunk: number, seq: number, record: ItemRecord): Promise<void>;
  close(): void;
}

/** Opens the results store of a job for a worker. */
export async function openWriter(
  redis: Redis,
  job: string,
  settings: JobSettings,
): Promise<ResultWriter> {
  const keys = jobKeys(job);
  if (settings.results === "redis") {
    return {
      async recorded(chunk) {
        return new Set((await redis.hkeys(keys.results(chunk))).map(Number));
      },
      async put(chunk, seq, record) {
        await redis.hsetnx(keys.results(chunk), String(seq), JSON.stringify(record));
      },
      close() {},
    };
  }
  await Deno.mkdir(settings.results, { recursive: true });
  const name = `worker-${Deno.hostname()}-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}.jsonl`;
  const file = await Deno.open(`${settings.results}/${name}`, { append: true, create: true });
  const encoder = new TextEncoder();
  return {
    recorded: () => Promise.resolve(new Set()),
    async put(_chunk, seq, record) {
      const bytes = encoder.encode(JSON.stringify({ seq, record }) + "\n");
      // One line per write call, so a kill leaves at most the last line torn.
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
    },
    close: () => file.close(),
  };
}

/**
 * The records of a job in input order: `record` is undefined for an item no worker has finished.
 *
 * @param total Items in the job (what the producer enqueued).
 */
export async function* readResults(
  redis: Redis,
  job: string,
  settings: JobSettings,
  total: number,
): AsyncGenerator<{ seq: number; record?: ItemRecord }> {
  if (settings.results === "redis") {
    const keys = jobKeys(job);
    for (let chunk = 0; chunk * settings.chunkSize < total; chunk++) {
      const fields = await redis.hgetall(keys.results(chunk));
      const end = Math.min(total, (chunk + 1) * settings.chunkSize);
      for (let seq = chunk * settings.chunkSize; seq < end; seq++) {
        const json = fields[String(seq)];
        yield { seq, record: json === undefined ? undefined : JSON.parse(json) as ItemRecord };
      }
    }
    return;
  }
  yield* readShards(settings.results, total);
}

/** The records of a results directory in input order (see the module doc). */
export async function* readShards(
  dir: string,
  total: number,
): AsyncGenerator<{ seq: number; record?: ItemRecord }> {
  const shards: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && /^worker-.*\.jsonl$/.test(entry.name)) {
        shards.push(`${dir}/${entry.name}`);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  shards.sort();
  const shardOf = new Int32Array(total).fill(-1);
  const offsetOf = new Float64Array(total);
  const lengthOf = new Uint32Array(total);
  const decoder = new TextDecoder();
  for (const [s, path] of shards.entries()) {
    let offset = 0;
    const { size } = await Deno.stat(path);
    for await (const line of readByteLines(path)) {
      const end = offset + line.length + 1;
      // A line without its newline is a torn write; a complete one holds a whole record.
      if (end <= size) {
        const seq = JSON.parse(decoder.decode(line)).seq as number;
        if (seq >= 0 && seq < total && shardOf[seq] < 0) {
          shardOf[seq] = s;
          offsetOf[seq] = offset;
          lengthOf[seq] = line.length;
        }
      }
      offset = end;
    }
  }
  const files = await Promise.all(shards.map((p) => Deno.open(p)));
  try {
    for (let seq = 0; seq < total; seq++) {
      if (shardOf[seq] < 0) {
        yield { seq };
        continue;
      }
      const file = files[shardOf[seq]];
      const bytes = new Uint8Array(lengthOf[seq]);
      await file.seek(offsetOf[seq], Deno.SeekMode.Start);
      let read = 0;
      while (read < bytes.length) {
        const n = await file.read(bytes.subarray(read));
        if (n === null) throw new Error(`A results shard shrank while being collected`);
        read += n;
      }
      yield { seq, record: JSON.parse(decoder.decode(bytes)).record as ItemRecord };
    }
  } finally {
    for (const file of files) file.close();
  }
}
