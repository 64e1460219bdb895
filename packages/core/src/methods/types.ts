/**
 * The contract between `explain()` and the attribution methods. A method is one file exporting a
 * {@link MethodSpec} made with `defineMethod` (define.ts); `registry.ts` lists them. `explain()`
 * resolves the text, target, contrast and output, validates the options against `options`, and hands
 * the method a {@link MethodContext} whose `params` type is read off those option specs
 * ({@link ParamsOf}).
 *
 * @module
 */
import type { Attention, Diagnostics, OutputKind, Token } from "../explanation.ts";
import type { Model } from "../model.ts";

/** One option a method takes, with its default and bounds; `/v1/methods` and the CLI show these. */
export interface OptionSpec {
  name: string;
  type: "integer" | "number" | "string" | "boolean";
  /** `undefined` means the option is not set unless the caller sets it. */
  default: unknown;
  min?: number;
  max?: number;
  /** Allowed values for a string option. */
  values?: readonly string[];
  /** Extra string values an integer option accepts, for example `"auto"` for steps. */
  alsoAccepts?: readonly string[];
  description: string;
}

/**
 * The value an option takes in `ctx.params`, read off its spec: a number for integer and number
 * options, one of `values` (or any string) for string options, a boolean for boolean options, plus
 * the strings in `alsoAccepts`.
 */
export type OptionValue<S extends OptionSpec> =
  | (S["type"] extends "integer" | "number" ? number
    : S["type"] extends "boolean" ? boolean
    : S extends { values: readonly (infer V)[] } ? V
    : string)
  | (S extends { alsoAccepts: readonly (infer A)[] } ? A : never);

/**
 * The `params` a method with these option specs receives: every option with a default is present,
 * an option whose default is `undefined` is present only when the caller set it (as
 * `validateOptions` fills them in).
 */
export type ParamsOf<O extends readonly OptionSpec[]> =
  & {
    readonly [S in O[number] as S extends { default: undefined } ? never : S["name"]]: OptionValue<
      S
    >;
  }
  & {
    readonly [S in O[number] as S extends { default: undefined } ? S["name"] : never]?: OptionValue<
      S
    >;
  };

/** Validated method options, by name, when the method is not known statically. */
export type AnyParams = Readonly<Record<string, unknown>>;

/** What a method needs from the model. */
export interface Capabilities {
  /** Needs a gradient graph (fails with UnsupportedOpError where the builder cannot build one). */
  gradients?: boolean;
  /** Needs attention probabilities (graph taps). */
  attention?: boolean;
  /** Needs hidden states or MLP activations (graph taps). */
  hiddenStates?: boolean;
  /** Works only for these tasks. */
  tasks?: readonly ("text-classification" | "text-generation")[];
}

/** The scalar a method explains for one input row: f(target) - f(contrast) in the chosen output. */
export interface Objective {
  targetId: number;
  contrastId?: number;
  output: OutputKind;
  /** Position whose output is explained in the unperturbed input (0 for classifiers). */
  position: number;
}

/** What a method is given; `P` is the type of its validated options. */
export interface MethodContext<P = AnyParams> {
  model: Model;
  /** Token ids of the input, special tokens included. */
  ids: readonly number[];
  tokens: readonly Token[];
  objective: Objective;
  /** Validated options, defaults filled in. */
  params: P;
  signal?: AbortSignal;
  /**
   * Reports progress (`done` of `total` units of work) and throws an AbortError if the signal is
   * aborted: methods call it between batches.
   */
  progress(done: number, total: number): void;
  /**
   * Scores many id sequences with batched forward passes: the objective for each row, evaluated at
   * the row's last real token for causal LMs (rows may be shorter than the input when tokens are
   * removed) and on the class logits for classifiers. Counts forward passes.
   */
  score(rows: readonly (readonly number[])[]): Promise<Float64Array>;
  /** Counters that end up in `diagnostics`; methods add to `backward` when they run gradient graphs. */
  counters: { forward: number; backward: number };
}

/** What a method returns; `explain()` adds tokens, predictions, words and timing. */
export interface MethodResult {
  /** One score per token, positive pushes toward the target. */
  scores: number[];
  attention?: Attention;
  diagnostics?: Partial<Diagnostics>;
  views?: Record<string, unknown>;
}

/** An attribution method; `P` is the type of its validated options (see `defineMethod`). */
export interface MethodSpec<P = AnyParams> {
  /** Kebab-case id, e.g. `integrated-gradients`. */
  id: string;
  kind: "gradient" | "perturbation" | "internals";
  /** One sentence for `/v1/methods` and `--help`. */
  description: string;
  /** The paper the method comes from. */
  paper?: string;
  options: readonly OptionSpec[];
  needs: Capabilities;
  run(ctx: MethodContext<P>): Promise<MethodResult>;
}

/** A method as `/v1/methods` and `--list-methods` describe it: its spec without `run`. */
export type MethodInfo = Omit<MethodSpec, "run">;
