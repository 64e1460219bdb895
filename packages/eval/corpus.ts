/**
 * `explainCorpus`: explains every item of a corpus file with one or more methods, in bounded memory,
 * and resumably. The input (JSONL with a `text` and optional `id` per line, or plain text, one item per
 * line) is streamed; each item's record is appended to `DIR/items.jsonl` as one line written with one
 * call, and only the aggregates (aggregate.ts) and the set of finished ids stay in memory. When `DIR`
 * already holds a run of the same settings, the records there are folded into the aggregates and their
 * items are skipped (ids are the items' `id`, or their line numbers; a repeated id counts as done): a run killed midway resumes without redoing them (a torn last line, from a kill in
 * the middle of a write, is cut off first). At the end (or when aborted) it writes `DIR/summary.json`
 * and `DIR/report.html`. Resident memory is sampled as it goes and reported in the summary.
 *
 * Uses the Deno file-system API.
 *
 * @module
 */
import { AbortError, InputError, type Model } from "@glassbox/core";
import {
  type AggregateOptions,
  type AttentionStats,
  CorpusAggregate,
  type ItemRecord,
  type MethodSummary,
} from "./aggregate.ts";
import { isJsonl, parseItem, readLines } from "./corpus_input.ts";
import { explainItem } from "./corpus_item.ts";
import { renderReport } from "./report.ts";

/** Progress of a corpus run, reported after every item. */
export interface CorpusProgress {
  /** Items done, counting the ones a resumed run found already done. */
  done: number;
  /** Items in the input (after `limit`). */
  total: number;
  /** Items found done when the run started. */
  resumed: number;
  elapsedMs: number;
  /** Estimated time left, from the pace of this run. */
  etaMs: number;
}

/** Options for {@link explainCorpus}. */
export interface CorpusOptions extends AggregateOptions {
  model: Model;
  /** Method ids; every item is explained with each. */
  methods: readonly string[];
  /** Method options, shared by the methods (each takes the ones it knows: unknown ones are an error). */
  params?: Record<string, Record<string, unknown>>;
  /** Corpus file: `.jsonl` (`{"text": ..., "id"?: ...}` per line) or plain text, one item per line. */
  input: string;
  /** Output directory (created). */
  out: string;
  /** Input format; `auto` picks jsonl for `.jsonl`/`.json` files and for lines starting with `{`. @default "auto" */
  format?: "auto" | "jsonl" | "text";
  /**
   * Attention statistics per layer and head, from one extra forward pass per item through core's
   * attention taps. @default true when a method id starts with `attention`
   */
  attentionStats?: boolean;
  /** Compute faithfulness per item (the report's distributions). @default true */
  faithfulness?: boolean;
  /** Explain at most this many items of the input. */
  limit?: number;
  /** Start over: discard what `out` holds. @default false */
  restart?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: CorpusProgress) => void;
}

/** `DIR/summary.json`. */
export interface CorpusSummary {
  model: { id: string; task: string; architecture: string };
  methods: string[];
  input: string;
  /** True when every item of the input is done. */
  complete: boolean;
  items: number;
  errors: number;
  /** Items found done when this run started. */
  resumed: number;
  labels: Record<string, number>;
  perMethod: Record<string, MethodSummary>;
  /** Mean attention statistics per layer and head, keyed `layer/head` (0-based). */
  attention: Record<string, AttentionStats & { n: number }>;
  /** Things the reader should know, e.g. why attention statistics are missing. */
  notices: string[];
  /** Mean Spearman (|score|, over words) between each pair of methods, keyed `a~b`. */
  agreement: Record<string, { spearman: number; n: number }>;
  /** Resident set size samples (MB) as items went by. */
  memory: { items: number; rssMB: number }[];
  elapsedMs: number;
}

/** The settings that must match for a run to resume another. */
interface RunSettings {
  model: string;
  methods: string[];
  params: Record<string, Record<string, unknown>>;
  faithfulness: boolean;
  attentionStats: boolean;
  input: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Cuts a torn last line (a kill in the middle of a write) off the items file. */
async function cutTornLine(path: string): Promise<void> {
  const { size } = await Deno.stat(path);
  if (size === 0) return;
  const file = await Deno.open(path, { read: true, write: true });
  try {
    // Scan back from the end in chunks for the last newline.
    const chunk = new Uint8Array(64 * 1024);
    let end = size;
    let keep = 0;
    search: while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      await file.seek(start, Deno.SeekMode.Start);
      const view = chunk.subarray(0, end - start);
      let read = 0;
      while (read < view.length) read += (await file.read(view.subarray(read))) ?? view.length;
      for (let i = view.length - 1; i >= 0; i--) {
        if (view[i] === 0x0a) {
          keep = start + i + 1;
          break search;
        }
      }
      end = start;
    }
    if (keep < size) await file.truncate(keep);
  } finally {
    file.close();
  }
}

/** Writes all of `bytes` (one record line) to the file. */
async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}

/** What a summary says besides the aggregates. */
export type SummaryInfo = Pick<
  CorpusSummary,
  "model" | "methods" | "input" | "complete" | "resumed" | "notices" | "memory" | "elapsedMs"
>;

/**
 * Writes `out/summary.json` and `out/report.html` from the aggregates of a run.
 *
 * @returns The summary written.
 */
export async function writeSummary(
  out: string,
  aggregate: CorpusAggregate,
  info: SummaryInfo,
): Promise<CorpusSummary> {
  const folded = aggregate.summary();
  const { model, methods, input, complete, resumed, notices, memory, elapsedMs } = info;
  const summary: CorpusSummary = {
    model,
    methods,
    input,
    complete,
    items: folded.items,
    errors: folded.errors,
    resumed,
    labels: folded.labels,
    perMethod: folded.methods,
    agreement: folded.agreement,
    attention: folded.attention,
    notices,
    memory,
    elapsedMs,
  };
  await Deno.writeTextFile(`${out}/summary.json`, JSON.stringify(summary, null, 2) + "\n");
  await Deno.writeTextFile(`${out}/report.html`, renderReport(summary));
  return summary;
}

/**
 * Explains a corpus and writes `items.jsonl`, `summary.json` and `report.html` to `out`.
 *
 * @param options Model, methods, input, output directory, and the rest.
 * @returns The summary (also in `out/summary.json`).
 * @throws InputError when a JSONL line is not an item or `out` holds a run with other settings;
 *   AbortError when aborted (after writing the summary and report of the items done).
 *
 * @example Explain a corpus with occlusion
 * ```ts ignore
 * import { loadModel } from "@glassbox/core";
 * import { explainCorpus } from "@glassbox/eval";
 * const model = await loadModel("distilbert-sentiment");
 * const summary = await explainCorpus({ model, methods: ["occlusion"], input: "reviews.jsonl", out: "out" });
 * console.log(summary.perMethod.occlusion.labels.POSITIVE.topPositive);
 * ```
 */
export async function explainCorpus(options: CorpusOptions): Promise<CorpusSummary> {
  const started = performance.now();
  const { model, input, out } = options;
  if (options.methods.length === 0) {
    throw new RangeError(`Cannot explain a corpus: give at least one method`);
  }
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 1)) {
    throw new RangeError(`"limit" must be an integer >= 1, current value is ${options.limit}`);
  }
  if (!(await exists(input))) throw new InputError(`Cannot read corpus ${input}: no such file`);
  const jsonl = await isJsonl(input, options.format);
  const withFaithfulness = options.faithfulness ?? true;
  let attention = options.attentionStats ?? options.methods.some((m) => m.startsWith("attention"));
  const notices: string[] = [];
  const settings: RunSettings = {
    model: model.id,
    methods: [...options.methods],
    params: options.params ?? {},
    faithfulness: withFaithfulness,
    attentionStats: attention,
    input,
  };

  await Deno.mkdir(out, { recursive: true });
  const itemsPath = `${out}/items.jsonl`, runPath = `${out}/run.json`;
  if (options.restart) {
    for (const p of [itemsPath, runPath]) if (await exists(p)) await Deno.remove(p);
  }
  const aggregate = new CorpusAggregate(options);
  const done = new Set<string>();
  if (await exists(runPath)) {
    const previous = JSON.parse(await Deno.readTextFile(runPath)) as RunSettings;
    if (JSON.stringify(previous) !== JSON.stringify(settings)) {
      throw new InputError(
        `${out} holds a run with other settings (${JSON.stringify(previous)}); ` +
          `use another --out, or --restart to discard it`,
      );
    }
    if (await exists(itemsPath)) {
      await cutTornLine(itemsPath);
      for await (const line of readLines(itemsPath)) {
        if (!line) continue;
        const record = JSON.parse(line) as ItemRecord;
        if (done.has(record.id)) continue;
        done.add(record.id);
        aggregate.add(record);
      }
    }
  } else {
    await Deno.writeTextFile(runPath, JSON.stringify(settings, null, 2) + "\n");
  }
  const resumed = done.size;

  let total = 0;
  for await (const line of readLines(input)) {
    if (line.trim()) total++;
    if (options.limit !== undefined && total >= options.limit) break;
  }

  const memory: CorpusSummary["memory"] = [];
  const sampleEvery = Math.max(1, Math.floor(total / 50));
  const sample = (items: number) => {
    memory.push({ items, rssMB: Math.round(Deno.memoryUsage().rss / 1e5) / 10 });
  };
  sample(done.size);

  const file = await Deno.open(itemsPath, { append: true, create: true });
  const encoder = new TextEncoder();
  let processed = 0, seen = 0, lineNo = 0;
  const runStarted = performance.now();
  let aborted: unknown;
  try {
    for await (const line of readLines(input)) {
      lineNo++;
      if (!line.trim()) continue;
      if (options.limit !== undefined && seen >= options.limit) break;
      seen++;
      const item = parseItem(line, lineNo, jsonl);
      if (done.has(item.id)) continue;
      if (options.signal?.aborted) throw new AbortError();
      const { record, noAttention } = await explainItem(model, item, {
        methods: options.methods,
        params: options.params,
        faithfulness: withFaithfulness,
        attentionStats: attention,
        signal: options.signal,
      });
      if (noAttention) {
        notices.push(noAttention);
        attention = false;
      }
      await writeAll(file, encoder.encode(JSON.stringify(record) + "\n"));
      done.add(item.id);
      aggregate.add(record);
      processed++;
      if (done.size % sampleEvery === 0) sample(done.size);
      const elapsedMs = performance.now() - runStarted;
      options.onProgress?.({
        done: done.size,
        total,
        resumed,
        elapsedMs,
        etaMs: (elapsedMs / processed) * Math.max(0, total - done.size),
      });
    }
  } catch (error) {
    if (!(error instanceof AbortError)) throw error;
    aborted = error;
  } finally {
    file.close();
  }
  sample(done.size);

  const summary = await writeSummary(out, aggregate, {
    model: { id: model.id, task: model.task, architecture: model.architecture },
    methods: [...options.methods],
    input,
    complete: aborted === undefined && done.size >= total,
    resumed,
    notices,
    memory,
    elapsedMs: performance.now() - started,
  });
  if (aborted) throw aborted;
  return summary;
}
