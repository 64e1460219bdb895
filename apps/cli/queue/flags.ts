/**
 * What explain-corpus needs to know about its queue mode before loading it (BullMQ and ioredis load
 * only when `--queue` is given): whether a command line asks for it, and its help.
 *
 * @module
 */

/** Whether a command line asks for a queue run. */
export function wantsQueue(argv: readonly string[]): boolean {
  return argv.some((a) => a === "--queue" || a.startsWith("--queue="));
}

/** Help lines for explain-corpus's --help. */
export const QUEUE_HELP = `
Many machines (a Redis job queue, BullMQ; workers: npx deno task explain-worker --queue URL --job NAME):
  --queue URL            redis://[user:password@]HOST[:PORT][/DB]: enqueue the corpus there
  --job NAME             the job's name (letters, digits, . _ -); rerunning adds nothing twice
  --format auto|jsonl|text|csv|dir   also a CSV file with a "text" column, a directory of .txt files
  --results redis|DIR    where workers put per-item records (default redis; DIR: one shard per worker)
  --chunk-size N         items per queued chunk (default 100)
  --stall-ms N           a dead worker's chunk is retried after this long (default 30000)
  --no-wait              return once enqueued instead of following the progress (with --out DIR:
                         collect there once no chunk is left)
  --collect              with --out DIR: merge the job's results into items.jsonl, summary.json,
                         report.html (the settings are the job's)
  --redis-timeout S      give up when Redis is unreachable for S seconds (default 60)`;
