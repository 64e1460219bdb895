/**
 * The `explain` command: `npx deno task explain [options] "TEXT"`. Loads a model (a bundled short name,
 * a directory or a URL), explains its prediction, and prints the Explanation as coloured text, JSON,
 * SVG, PNG or HTML. Exit codes: 0 success, 2 bad usage or input, 1 internal failure; every failure is
 * one line on stderr.
 *
 * @module
 */
import {
  AbortError,
  BUNDLED_MODELS,
  DEFAULT_MODEL,
  explain,
  type Explanation,
  InputError,
  loadModel,
  METHODS,
  ModelLoadError,
  predict,
  UnknownMethodError,
  UnsupportedOpError,
} from "@glassbox/core";
import { withFaithfulness } from "@glassbox/eval/faithfulness";
import { parseArgs, UsageError } from "./args.ts";
import { writeOutput } from "./output.ts";

const HELP = `explain: why did the model say that?

Usage: npx deno task explain [options] "TEXT"

  --model NAME|DIR|URL   bundled model (${BUNDLED_MODELS.join(", ")}), a directory or an http(s) URL
                         in the Hugging Face layout (default ${DEFAULT_MODEL})
  --method ID            attribution method (default occlusion); --list-methods shows them all
  --target T             what to explain: a label, or a token's text for causal LMs (default: top prediction)
  --target-id N          ... or a class index / token id
  --contrast T           explain "target rather than contrast" (--contrast-id N by id)
  --output O             logit | probability | log-probability (default logit)
  --top-k K              predictions to show (default 5)
  --format F             text | json | svg | png | html (default text)
  --out FILE             write to FILE instead of stdout
  --words                show word-level scores (subwords merged, --aggregation sum|mean|max)
  --predict              only show the predictions
  --faithfulness         add faithfulness metrics (AOPC comprehensiveness and sufficiency, deletion
                         and insertion AUC) to diagnostics.faithfulness
  --backend web|node     onnxruntime-web (default) or onnxruntime-node
  --threads N            onnxruntime-web threads
  --dtype D              graph precision: fp32 | fp16 | q8 | int8 | uint8 | q4 | q4f16 | bnb4, as
                         transformers.js names the files (q8 loads onnx/model_quantized.onnx)
  --variant NAME         graph file under onnx/ by name (model_quantized, ...); not with --dtype
  Method options: --steps N --integration I --baseline B --batch-size N --samples N --seed N
                  --noise X --window N --replacement R ... (--list-methods shows each method's options)

Exit codes: 0 success, 2 bad usage or input, 1 internal failure.`;

function listMethods(): string {
  return METHODS.map((m) => {
    const options = m.options.map((o) =>
      `    --${o.name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}  ${o.description}` +
      (o.default !== undefined ? ` (default ${o.default})` : "") +
      (o.values ? ` [${o.values.join(" | ")}]` : "") +
      (o.min !== undefined || o.max !== undefined ? ` [${o.min ?? ""}..${o.max ?? ""}]` : "")
    ).join("\n");
    return `${m.id} (${m.kind}): ${m.description}${options ? "\n" + options : ""}`;
  }).join("\n");
}

/** Shows progress on stderr when it is a terminal. */
function progressLine():
  | ((p: { method: string; done: number; total: number }) => void)
  | undefined {
  if (!Deno.stderr.isTerminal()) return undefined;
  const encoder = new TextEncoder();
  let last = 0;
  return ({ method, done, total }) => {
    const now = performance.now();
    if (done < total && now - last < 100) return;
    last = now;
    const pct = total ? Math.round((100 * done) / total) : 100;
    Deno.stderr.writeSync(
      encoder.encode(
        `\r\x1b[2K${method}: ${done}/${total} (${pct}%)${done >= total ? "\r\x1b[2K" : ""}`,
      ),
    );
  };
}

/**
 * Where built gradient graphs are kept between runs, so only the first gradient explanation of a
 * model pays for building its backward graph: GLASSBOX_CACHE_DIR ("off" disables), else
 * $XDG_CACHE_HOME/glassbox or ~/.cache/glassbox.
 */
function cacheDir(): string | undefined {
  const chosen = Deno.env.get("GLASSBOX_CACHE_DIR");
  if (chosen === "off") return undefined;
  if (chosen) return chosen;
  const base = Deno.env.get("XDG_CACHE_HOME") ??
    (Deno.env.get("HOME") ? `${Deno.env.get("HOME")}/.cache` : undefined);
  return base ? `${base}/glassbox` : undefined;
}

async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { model: DEFAULT_MODEL, method: "occlusion" });
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  if (args.listMethods) {
    console.log(listMethods());
    return 0;
  }
  if (args.text === undefined) {
    throw new UsageError(
      `Give the text to explain, e.g. explain "What a wonderful day" (--help for options)`,
    );
  }
  const model = await loadModel(args.model, {
    backend: args.backend,
    threads: args.threads,
    dtype: args.dtype,
    variant: args.variant,
    cacheDir: cacheDir(),
  });
  try {
    if (args.predictOnly) {
      const result = await predict(model, args.text, { topK: args.topK });
      await writeOutput(args, result);
      return 0;
    }
    const controller = new AbortController();
    Deno.addSignalListener("SIGINT", () => controller.abort());
    let explanation: Explanation = await explain(model, args.text, {
      method: args.method,
      target: args.target,
      targetId: args.targetId,
      contrast: args.contrast,
      contrastId: args.contrastId,
      output: args.output,
      topK: args.topK,
      aggregation: args.aggregation as "sum" | undefined,
      params: args.params,
      signal: controller.signal,
      onProgress: progressLine(),
    });
    if (args.faithfulness) explanation = await withFaithfulness(model, explanation);
    await writeOutput(args, explanation);
    return 0;
  } finally {
    await model.release();
  }
}

/** Maps an error to its exit code: 2 for what the user can fix, 1 for the rest. */
export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError || error instanceof InputError ||
      error instanceof ModelLoadError ||
      error instanceof UnknownMethodError || error instanceof UnsupportedOpError ||
      error instanceof TypeError ||
      error instanceof RangeError || error instanceof AbortError
    ? 2
    : 1;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await run(Deno.args);
  } catch (error) {
    code = exitCodeOf(error);
    const message = String((error as Error)?.message ?? error).split("\n")[0];
    console.error(`explain: ${code === 1 ? "internal error: " : ""}${message}`);
  }
  Deno.exit(code);
}
