/**
 * Adaptive integration of a vector-valued function on [0, 1] by nested Clenshaw-Curtis rules
 * (3, 5, 9, 17, 33, ... points): every refinement evaluates only the nodes the previous rule lacks
 * and reuses every value already computed, so stopping at a rule of P points has cost P
 * evaluations in all. The caller's `accept` sees each rule's integral and the change from the rule
 * before (a nested error estimate) and decides when to stop; `maxPoints` caps the cost.
 *
 * @module
 */
import { clenshawCurtis } from "./integration.ts";

/** One rule of the sequence. */
export interface NestedRule {
  /** Nodes of this rule, all evaluated (the cost so far). */
  points: number;
  /** The rule's integral of each component. */
  integral: Float64Array;
  /** sum_i |integral_i - previous integral_i|; Infinity for the first rule. */
  change: number;
}

/** The result of {@link integrateNested}. */
export interface NestedResult {
  /** Every rule evaluated, coarsest first; the last one is the answer. */
  rules: NestedRule[];
  /** Whether `accept` took the last rule (false: the cap was reached first). */
  accepted: boolean;
}

/** Point counts of the nested Clenshaw-Curtis rules up to `maxPoints` (at least 3). */
export function nestedPointCounts(maxPoints: number): number[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 3) {
    throw new RangeError(
      `Cannot integrate: "maxPoints" must be an integer >= 3, current value is ${maxPoints}`,
    );
  }
  const counts = [];
  for (let n = 2; n + 1 <= maxPoints; n *= 2) counts.push(n + 1);
  return counts;
}

/**
 * Integrates f over [0, 1] with nested Clenshaw-Curtis rules until `accept` takes one or the next
 * rule would exceed `maxPoints` evaluations.
 *
 * @param evaluate f at the given alphas (ascending, new nodes only), one vector per alpha, all of
 *   the same length.
 * @param accept Whether to stop at this rule.
 * @param maxPoints Cap on the number of evaluations, >= 3.
 * @param minPoints The first rule has the fewest points >= minPoints, all evaluated in one call
 *   (the rule before it, from a subset of them, only gives its `change`).
 *
 * @example The integral of (x^4, 1) is (1/5, 1), exact from 5 points
 * ```ts
 * import { integrateNested } from "./nested.ts";
 * const { rules } = await integrateNested(
 *   (alphas) => Promise.resolve(Array.from(alphas, (a) => Float64Array.of(a ** 4, 1))),
 *   (rule) => rule.change < 1e-12,
 *   33,
 * );
 * console.log(rules.map((r) => r.points)); // [3, 5, 9]
 * ```
 */
export async function integrateNested(
  evaluate: (alphas: Float64Array) => Promise<Float64Array[]>,
  accept: (rule: NestedRule, rules: readonly NestedRule[]) => boolean,
  maxPoints: number,
  minPoints = 3,
): Promise<NestedResult> {
  const rules: NestedRule[] = [];
  let values: Float64Array[] = [];
  let previous: Float64Array | undefined;
  for (const points of nestedPointCounts(maxPoints)) {
    if (points < minPoints && points * 2 - 1 <= maxPoints) continue;
    const { alphas, weights } = clenshawCurtis(points);
    // Nodes of the previous rule sit at the even indices of this one.
    const fresh = values.length ? alphas.filter((_, j) => j % 2 === 1) : alphas;
    const got = await evaluate(fresh);
    if (got.length !== fresh.length) {
      throw new Error(`evaluate returned ${got.length} vectors for ${fresh.length} alphas`);
    }
    values = values.length
      ? Array.from(alphas, (_, j) => j % 2 === 0 ? values[j / 2] : got[(j - 1) / 2])
      : got;
    if (!previous && points > 3) previous = apply(values.filter((_, j) => j % 2 === 0));
    const integral = apply(values, weights);
    const change = previous
      ? integral.reduce((s, v, i) => s + Math.abs(v - previous![i]), 0)
      : Infinity;
    previous = integral;
    const rule = { points, integral, change };
    rules.push(rule);
    if (accept(rule, rules)) return { rules, accepted: true };
  }
  return { rules, accepted: false };
}

/** sum_j w_j v_j with the Clenshaw-Curtis weights for values.length points (unless given). */
function apply(
  values: Float64Array[],
  weights = clenshawCurtis(values.length).weights,
): Float64Array {
  const integral = new Float64Array(values[0].length);
  values.forEach((v, j) => {
    for (let i = 0; i < integral.length; i++) integral[i] += weights[j] * v[i];
  });
  return integral;
}
