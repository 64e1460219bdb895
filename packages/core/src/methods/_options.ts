/**
 * Option specs shared by methods of different kinds, kept apart from the gradient machinery so a
 * perturbation method that takes a seed does not pull the gradient builder into its import graph.
 *
 * @module
 */
import type { OptionSpec } from "./types.ts";

/** The `seed` option of the sampling methods. */
export const SEED_OPTION: OptionSpec = {
  name: "seed",
  type: "integer",
  default: 0,
  min: 0,
  max: 2 ** 31 - 1,
  description: "Seed of the random samples: the same seed gives the same scores.",
};
