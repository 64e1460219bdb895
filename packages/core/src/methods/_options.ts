/**
 * The option specs several methods share, and the checks of option values that only the model can
 * make: that a special token an option names (a `pad`/`unk`/`mask` baseline or replacement) exists in
 * its tokenizer, and that a layer or head index is within its count. Kept apart
 * from the gradient and coalition machinery, importing types only, so a method that takes a seed does
 * not pull the gradient builder into its import graph. Internal to the methods.
 *
 * The specs are `as const` so `defineMethod` can read their literal names and values into the type
 * of `ctx.params`.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import type { Model } from "../model.ts";
import type { SpecialIds } from "../tokenizer.ts";
import type { OptionSpec } from "./types.ts";

/** What can stand in for tokens a perturbation takes out: nothing, or a special token. */
export const REPLACEMENTS = ["remove", "unk", "mask", "pad"] as const;

/** Baselines a path method can start from. */
export const BASELINES = ["zero", "pad", "unk", "mask"] as const;

/** The `seed` option of the sampling methods. */
export const SEED_OPTION = {
  name: "seed",
  type: "integer",
  default: 0,
  min: 0,
  max: 2 ** 31 - 1,
  description: "Seed of the random samples: the same seed gives the same scores.",
} as const satisfies OptionSpec;

/** The `batchSize` option of the gradient methods: rows per backward run. */
export const BATCH_SIZE_OPTION = {
  name: "batchSize",
  type: "integer",
  default: "auto",
  min: 1,
  max: 4096,
  alsoAccepts: ["auto"],
  description: "Rows per backward run; auto keeps about 2048 tokens per run.",
} as const satisfies OptionSpec;

/** The `noise` option of the noisy-copy methods (smoothgrad, gradient-shap). */
export const NOISE_OPTION = {
  name: "noise",
  type: "number",
  default: 0.1,
  min: 0,
  max: 10,
  description:
    "Noise standard deviation as a fraction of the standard deviation of the input embeddings.",
} as const satisfies OptionSpec;

/** The `baseline` option of the path methods (integrated-gradients, gradient-shap). */
export const BASELINE_OPTION = {
  name: "baseline",
  type: "string",
  default: "zero",
  values: BASELINES,
  description:
    "zero: every embedding (special tokens too) starts from 0; pad/unk/mask: non-special tokens start from that token's embedding, special tokens keep theirs.",
} as const satisfies OptionSpec;

/** The `replacement` option of the coalition methods: what stands in for the tokens left out. */
export const REPLACEMENT_OPTION = {
  name: "replacement",
  type: "string",
  default: "remove",
  values: REPLACEMENTS,
  description:
    "Tokens outside a coalition are removed, or replaced with the unk, mask or pad token.",
} as const satisfies OptionSpec;

/** Option values that name a special token of the tokenizer. */
type TokenValue = "pad" | "unk" | "mask";
const TOKEN_VALUES: ReadonlySet<string> = new Set<TokenValue>(["pad", "unk", "mask"]);

/**
 * The id of the special token that `value` of `option` names.
 *
 * @throws InputError when the tokenizer has no such token, listing the option's values it can use.
 */
export function specialTokenId(
  model: Model,
  method: string,
  option: { name: string; values: readonly string[] },
  value: TokenValue,
): number {
  const { specialIds } = model.tokenizer;
  const id = specialIds[value];
  if (id !== undefined) return id;
  const usable = option.values.filter((v) =>
    !TOKEN_VALUES.has(v) || specialIds[v as keyof SpecialIds] !== undefined
  );
  throw new InputError(
    `Cannot run ${method}: ${option.name} "${value}" needs a ${value} token, which the tokenizer of ${model.id} does not have; use ${
      usable.join(" or ")
    }`,
  );
}

/**
 * Checks an index option (a layer, a head) against the model's count, which the spec cannot bound.
 *
 * @throws InputError when `value` is `count` or more.
 */
export function checkIndexOption(
  model: Model,
  method: string,
  name: string,
  value: number | undefined,
  count: number,
): void {
  if (value !== undefined && value >= count) {
    throw new InputError(
      `Cannot run ${method}: "${name}" must be < ${count} for model ${model.id}, current value is ${value}`,
    );
  }
}
