/**
 * Parsing the `explain` command line into core options. The fixed flags are the ones the README's
 * "The CLI" section and `--help` document; any other `--some-option VALUE` becomes the method option
 * `someOption`, so every option a method declares can be set without the CLI knowing it (the method
 * then rejects unknown ones with a message that lists what it takes).
 *
 * @module
 */
import { type Backend, type Dtype, DTYPES, type OutputKind } from "@glassbox/core";
import { integer, optionName, optionValue, scanArgs, UsageError } from "./flags.ts";

// The commands and the queue modules take UsageError from here.
export { UsageError };

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
  dtype?: Dtype;
  variant?: string;
  aggregation?: string;
  words: boolean;
  predictOnly: boolean;
  help: boolean;
  listMethods: boolean;
  faithfulness: boolean;
  params: Record<string, unknown>;
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
  "dtype",
  "variant",
  "aggregation",
]);
const BOOLEAN_FLAGS = new Set(["help", "h", "words", "predict", "list-methods", "faithfulness"]);

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
  for (const arg of scanArgs(argv, { booleans: BOOLEAN_FLAGS, singleDash: true })) {
    if (arg.kind === "positional") {
      positional.push(arg.value);
      continue;
    }
    const { flag } = arg;
    if (arg.value === undefined) {
      if (flag === "help" || flag === "h") args.help = true;
      else if (flag === "words") args.words = true;
      else if (flag === "predict") args.predictOnly = true;
      else if (flag === "faithfulness") args.faithfulness = true;
      else args.listMethods = true;
      continue;
    }
    const { value } = arg;
    if (!VALUE_FLAGS.has(flag)) {
      args.params[optionName(flag)] = optionValue(value);
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
      case "dtype":
        if (!(DTYPES as readonly string[]).includes(value)) {
          throw new UsageError(`--dtype must be one of ${DTYPES.join(", ")}, got "${value}"`);
        }
        args.dtype = value as Dtype;
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
  if (args.dtype !== undefined && args.variant !== undefined) {
    throw new UsageError(`Give --dtype or --variant, not both`);
  }
  args.text = positional[0];
  return args;
}
