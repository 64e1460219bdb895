/**
 * Parsing the `explain` command line into core options. The fixed flags are the ones the README's
 * "The CLI" section and `--help` document; any other `--some-option VALUE` becomes the method option
 * `someOption`, so every option a method declares can be set without the CLI knowing it (the method
 * then rejects unknown ones with a message that lists what it takes).
 *
 * @module
 */
import type { Backend, OutputKind } from "@glassbox/core";

/** Output formats of the CLI. */
export const FORMATS = ["text", "json", "svg", "png", "html"] as const;
export type Format = typeof FORMATS[number];

/** A parsed command line. */
export interface CliArgs {
  text?: string;
  model: string;
  method: string;
  target?: string;
  targetId?: number;
  contrast?: string;
  contrastId?: number;
  output?: OutputKind;
  topK?: number;
  format: Format;
  out?: string;
  backend?: Backend;
  threads?: number;
  variant?: string;
  aggregation?: string;
  words: boolean;
  predictOnly: boolean;
  help: boolean;
  listMethods: boolean;
  faithfulness: boolean;
  params: Record<string, unknown>;
}

/** Bad usage: the CLI prints the message and exits with 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

const VALUE_FLAGS = new Set([
  "model",
  "method",
  "target",
  "target-id",
  "contrast",
  "contrast-id",
  "output",
  "top-k",
  "format",
  "out",
  "backend",
  "threads",
  "variant",
  "aggregation",
]);
const BOOLEAN_FLAGS = new Set(["help", "h", "words", "predict", "list-methods", "faithfulness"]);

function integer(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${flag} must be an integer, got "${value}"`);
  return Number(value);
}

function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Numbers and booleans for method options given as strings. */
function optionValue(value: string): unknown {
  if (/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value)) return Number(value);
  if (value === "true") return true;
  if (value === "false") return false;
  return value;
}

/**
 * Parses argv.
 *
 * @throws UsageError for a missing value, a bad integer, an unknown format or a stray argument.
 */
export function parseArgs(
  argv: readonly string[],
  defaults: { model: string; method: string },
): CliArgs {
  const args: CliArgs = {
    model: defaults.model,
    method: defaults.method,
    format: "text",
    words: false,
    predictOnly: false,
    help: false,
    listMethods: false,
    faithfulness: false,
    params: {},
  };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const flag = eq >= 0 ? body.slice(0, eq) : body;
    if (!/^[a-z][a-z0-9-]*$/i.test(flag)) throw new UsageError(`Unknown argument "${arg}"`);
    if (BOOLEAN_FLAGS.has(flag)) {
      if (flag === "help" || flag === "h") args.help = true;
      else if (flag === "words") args.words = true;
      else if (flag === "predict") args.predictOnly = true;
      else if (flag === "faithfulness") args.faithfulness = true;
      else args.listMethods = true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`--${flag} needs a value`);
      value = argv[++i];
    }
    if (!VALUE_FLAGS.has(flag)) {
      args.params[camel(flag)] = optionValue(value);
      continue;
    }
    switch (flag) {
      case "model":
        args.model = value;
        break;
      case "method":
        args.method = value;
        break;
      case "target":
        args.target = value;
        break;
      case "target-id":
        args.targetId = integer(flag, value);
        break;
      case "contrast":
        args.contrast = value;
        break;
      case "contrast-id":
        args.contrastId = integer(flag, value);
        break;
      case "output":
        args.output = value as OutputKind;
        break;
      case "top-k":
        args.topK = integer(flag, value);
        break;
      case "format":
        if (!(FORMATS as readonly string[]).includes(value)) {
          throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got "${value}"`);
        }
        args.format = value as Format;
        break;
      case "out":
        args.out = value;
        break;
      case "backend":
        if (value !== "web" && value !== "node") {
          throw new UsageError(`--backend must be web or node, got "${value}"`);
        }
        args.backend = value;
        break;
      case "threads":
        args.threads = integer(flag, value);
        break;
      case "variant":
        args.variant = value;
        break;
      case "aggregation":
        args.aggregation = value;
        break;
    }
  }
  if (positional.length > 1) {
    throw new UsageError(
      `Give the text as one argument (quote it); got ${positional.length} arguments`,
    );
  }
  args.text = positional[0];
  return args;
}
