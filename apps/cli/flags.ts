/**
 * Command-line scanning shared by `explain` and `explain-corpus`: both take `--flag VALUE` and
 * `--flag=VALUE`, boolean flags, `--` before text that starts with a dash, and pass every flag they
 * do not know to the methods as an option (`--batch-size 8` becomes `batchSize: 8`). node:util's
 * `parseArgs` cannot do the last: it has no notion of an unknown flag that takes a value.
 *
 * @module
 */

/** Bad usage: the CLI prints the message and exits with 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** One element of a command line: a flag (with its value unless it is boolean), or a positional. */
export type Arg =
  | { kind: "flag"; flag: string; value?: string }
  | { kind: "positional"; value: string };

/** What {@link scanArgs} needs to know. */
export interface ScanOptions {
  /** Flags that take no value (a `=value` given to one is ignored). */
  booleans: ReadonlySet<string>;
  /** Whether `-name` is a flag as `--name` is; otherwise it is a positional. */
  singleDash: boolean;
}

/**
 * The flags and positionals of a command line, in order. Every flag that is not boolean takes a
 * value: after `=`, or the next argument whatever it looks like (so `--seed -1` works).
 *
 * @throws UsageError for a flag name that is not letters, digits and dashes, or a missing value.
 */
export function* scanArgs(argv: readonly string[], options: ScanOptions): Generator<Arg> {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      for (const value of argv.slice(i + 1)) yield { kind: "positional", value };
      return;
    }
    const isFlag = options.singleDash ? arg.startsWith("-") && arg !== "-" : arg.startsWith("--");
    if (!isFlag) {
      yield { kind: "positional", value: arg };
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const flag = eq >= 0 ? body.slice(0, eq) : body;
    if (!/^[a-z][a-z0-9-]*$/i.test(flag)) throw new UsageError(`Unknown argument "${arg}"`);
    if (options.booleans.has(flag)) {
      yield { kind: "flag", flag };
      continue;
    }
    if (eq >= 0) yield { kind: "flag", flag, value: body.slice(eq + 1) };
    else {
      if (i + 1 >= argv.length) throw new UsageError(`--${flag} needs a value`);
      yield { kind: "flag", flag, value: argv[++i] };
    }
  }
}

/** The value of a flag that takes an integer. @throws UsageError when it is not one. */
export function integer(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${flag} must be an integer, got "${value}"`);
  return Number(value);
}

/** The value of a flag that takes a count. @throws UsageError when it is not an integer >= 1. */
export function positiveInteger(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError(`--${flag} must be an integer >= 1, got "${value}"`);
  }
  return Number(value);
}

/** The method option a flag sets: `--batch-size` -> `batchSize`. */
export function optionName(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A method option's value: numbers and booleans given as text become numbers and booleans. */
export function optionValue(value: string): unknown {
  if (/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value)) return Number(value);
  if (value === "true") return true;
  if (value === "false") return false;
  return value;
}
