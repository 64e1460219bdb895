/**
 * The `explain-corpus` command: `npx deno task explain-corpus --model M --method X --input FILE --out DIR`.
 * Explains every item of a JSONL or plain-text corpus with one or more methods, shows a progress bar
 * with an ETA on stderr, and writes DIR/items.jsonl, DIR/summary.json and DIR/report.html. Rerun the
 * same command after a kill or Ctrl-C and it resumes where it stopped. Exit codes as for `explain`:
 * 0 success, 2 bad usage or input (or interrupted), 1 internal failure.
 *
 * @module
 */
import { BUNDLED_MODELS, DEFAULT_MODEL, getMethod, loadModel } from "@glassbox/core";
import { type CorpusProgress, explainCorpus } from "@glassbox/eval";
import { optionName, optionValue, positiveInteger, scanArgs, UsageError } from "./flags.ts";
import { exitCodeOf } from "./main.ts";
import { QUEUE_HELP, wantsQueue } from "./queue/flags.ts";

const HELP = `explain-corpus: explain a whole corpus, aggregate the words per predicted label

Usage: npx deno task explain-corpus --input FILE --out DIR [options]

  --input FILE           JSONL ({"text": ..., "id"?: ...} per line) or plain text, one item per line
  --out DIR              output directory: items.jsonl, summary.json, report.html
  --model NAME|DIR|URL   bundled model (${
  BUNDLED_MODELS.join(", ")
}), a directory or a URL (default ${DEFAULT_MODEL})
  --method ID[,ID...]    attribution methods (default occlusion); each item is explained with each
  --format auto|jsonl|text   input format (default auto: by extension, or by a leading "{")
  --limit N              explain only the first N items
  --no-faithfulness      skip the per-item faithfulness metrics (faster)
  --attention-stats      attention statistics per layer and head (default: on with an attention method)
  --restart              discard what DIR holds and start over (default: resume)
  --top-words N          words per top-positive / top-negative list (default 15)
  --min-count N          fewest occurrences for a word to be ranked (default 3)
  --backend web|node     onnxruntime-web (default) or onnxruntime-node
  --threads N            onnxruntime-web threads
  Method options (--steps N, --samples N, --seed N, --window N, ...) go to every method that takes them.

Exit codes: 0 success, 2 bad usage or input (or interrupted: rerun to resume), 1 internal failure.`;

interface CorpusArgs {
  help: boolean;
  input?: string;
  out?: string;
  model: string;
  methods: string[];
  format?: "auto" | "jsonl" | "text";
  limit?: number;
  faithfulness: boolean;
  attentionStats?: boolean;
  restart: boolean;
  topWords?: number;
  minCount?: number;
  backend?: "web" | "node";
  threads?: number;
  options: Record<string, unknown>;
}

const BOOLEAN_FLAGS = new Set(["help", "no-faithfulness", "restart", "attention-stats"]);

/** Parses the command line; flags it does not know become method options. */
export function parseCorpusArgs(argv: readonly string[]): CorpusArgs {
  const args: CorpusArgs = {
    help: false,
    model: DEFAULT_MODEL,
    methods: ["occlusion"],
    faithfulness: true,
    restart: false,
    options: {},
  };
  for (const arg of scanArgs(argv, { booleans: BOOLEAN_FLAGS, singleDash: false })) {
    if (arg.kind === "positional") {
      if (arg.value === "-h") args.help = true;
      else {
        throw new UsageError(`Unexpected argument "${arg.value}"; the corpus goes in --input FILE`);
      }
      continue;
    }
    const { flag, value } = arg;
    if (flag === "help") args.help = true;
    else if (flag === "no-faithfulness") args.faithfulness = false;
    else if (flag === "restart") args.restart = true;
    else if (flag === "attention-stats") args.attentionStats = true;
    else if (value !== undefined) {
      switch (flag) {
        case "input":
        case "out":
        case "model":
          args[flag] = value;
          break;
        case "method":
          args.methods = value.split(",").map((m) => m.trim()).filter(Boolean);
          break;
        case "format":
          if (!["auto", "jsonl", "text"].includes(value)) {
            throw new UsageError(`--format must be one of auto, jsonl, text, got "${value}"`);
          }
          args.format = value as CorpusArgs["format"];
          break;
        case "limit":
          args.limit = positiveInteger(flag, value);
          break;
        case "top-words":
          args.topWords = positiveInteger(flag, value);
          break;
        case "min-count":
          args.minCount = positiveInteger(flag, value);
          break;
        case "threads":
          args.threads = positiveInteger(flag, value);
          break;
        case "backend":
          if (value !== "web" && value !== "node") {
            throw new UsageError(`--backend must be web or node, got "${value}"`);
          }
          args.backend = value;
          break;
        default:
          args.options[optionName(flag)] = optionValue(value);
      }
    }
  }
  return args;
}

/** Gives each method the options it declares; an option no method takes is a usage error. */
export function paramsByMethod(
  methods: readonly string[],
  options: Record<string, unknown>,
): Record<string, Record<string, unknown>> {
  const specs = methods.map((id) => getMethod(id));
  for (const name of Object.keys(options)) {
    if (!specs.some((s) => s.options.some((o) => o.name === name))) {
      throw new UsageError(
        `No chosen method takes --${name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())} ` +
          `(${
            specs.map((s) => `${s.id}: ${s.options.map((o) => o.name).join(", ") || "none"}`).join(
              "; ",
            )
          })`,
      );
    }
  }
  return Object.fromEntries(specs.map((s) => [
    s.id,
    Object.fromEntries(
      Object.entries(options).filter(([k]) => s.options.some((o) => o.name === k)),
    ),
  ]));
}

const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return `${h ? `${h}:${String(m).padStart(2, "0")}` : m}:${String(r).padStart(2, "0")}`;
};

/** A progress bar with rate and ETA: redrawn in place on a terminal, a line per 10% otherwise. */
function progressBar(): (p: CorpusProgress) => void {
  const tty = Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  let last = 0, lastTenth = -1;
  return (p) => {
    const now = performance.now();
    const fraction = p.total ? p.done / p.total : 1;
    const tenth = Math.floor(fraction * 10);
    if (tty ? (p.done < p.total && now - last < 100) : tenth === lastTenth) return;
    last = now;
    lastTenth = tenth;
    const width = 24, filled = Math.round(fraction * width);
    const rate = (p.done - p.resumed) / Math.max(1e-3, p.elapsedMs / 1000);
    const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${p.done}/${p.total} ` +
      `${Math.floor(fraction * 100)}% ${rate.toFixed(1)} items/s ETA ${clock(p.etaMs)}`;
    Deno.stderr.writeSync(encoder.encode(tty ? `\r\x1b[2K${line}` : `${line}\n`));
  };
}

async function run(argv: string[]): Promise<number> {
  if (wantsQueue(argv) && !argv.some((a) => a === "--help" || a === "-h")) {
    const { runQueued } = await import("./queue/cli.ts");
    return await runQueued(argv, { parseCorpusArgs, paramsByMethod });
  }
  const args = parseCorpusArgs(argv);
  if (args.help) {
    console.log(HELP + QUEUE_HELP);
    return 0;
  }
  if (!args.input) throw new UsageError(`Give the corpus with --input FILE (--help for options)`);
  if (!args.out) {
    throw new UsageError(`Give the output directory with --out DIR (--help for options)`);
  }
  const params = paramsByMethod(args.methods, args.options);
  const model = await loadModel(args.model, { backend: args.backend, threads: args.threads });
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    const summary = await explainCorpus({
      model,
      methods: args.methods,
      params,
      input: args.input,
      out: args.out,
      format: args.format,
      limit: args.limit,
      faithfulness: args.faithfulness,
      attentionStats: args.attentionStats,
      restart: args.restart,
      topWords: args.topWords,
      minCount: args.minCount,
      signal: controller.signal,
      onProgress: progressBar(),
    });
    if (Deno.stderr.isTerminal()) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
    for (const notice of summary.notices) console.error(`explain-corpus: ${notice}`);
    console.log(
      `${summary.items} items (${summary.resumed} from an earlier run, ${summary.errors} not explainable) ` +
        `in ${args.out}: items.jsonl, summary.json, report.html`,
    );
    return 0;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    await model.release();
  }
}

if (import.meta.main) {
  let code: number;
  try {
    code = await run(Deno.args);
  } catch (error) {
    code = exitCodeOf(error);
    const name = (error as Error)?.name;
    const message = name === "AbortError"
      ? "interrupted; the summary and report cover the items done, rerun the same command to resume"
      : String((error as Error)?.message ?? error).split("\n")[0];
    console.error(`explain-corpus: ${code === 1 ? "internal error: " : ""}${message}`);
  }
  Deno.exit(code);
}
