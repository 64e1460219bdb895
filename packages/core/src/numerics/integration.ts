/**
 * Quadrature on [0, 1] for path methods (integrated gradients): the points alpha_k along the
 * straight line from baseline to input and their weights w_k, so that the integral of f over [0, 1]
 * is approximated by sum_k w_k f(alpha_k). The rules and their conventions follow Captum's
 * `approximation_methods`: Gauss-Legendre, and the Riemann left, right, middle and trapezoid sums.
 *
 * @module
 */

/** The integration rules integrated gradients accepts. */
export const INTEGRATION_RULES = [
  "gauss-legendre",
  "riemann-trapezoid",
  "riemann-left",
  "riemann-right",
  "riemann-middle",
] as const;

/** One of {@link INTEGRATION_RULES}. */
export type IntegrationRule = typeof INTEGRATION_RULES[number];

/** Points and weights on [0, 1]; the weights sum to 1. */
export interface Quadrature {
  alphas: Float64Array;
  weights: Float64Array;
}

/**
 * Gauss-Legendre nodes and weights on [-1, 1], by Newton's method on the Legendre recurrence
 * (accurate to about 1e-15 for any n used here).
 */
function gaussLegendre(n: number): Quadrature {
  const x = new Float64Array(n), w = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let z = Math.cos(Math.PI * (i + 0.75) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1, p1 = z;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * z * p1 - (k - 1) * p0) / k];
      dp = n * (z * p1 - p0) / (z * z - 1);
      const step = p1 / dp;
      z -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    let p0 = 1, p1 = z;
    for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * z * p1 - (k - 1) * p0) / k];
    dp = n * (z * p1 - p0) / (z * z - 1);
    x[i] = -z;
    x[n - 1 - i] = z;
    w[i] = w[n - 1 - i] = 2 / ((1 - z * z) * dp * dp);
  }
  return { alphas: x, weights: w };
}

/**
 * Integration points and weights on [0, 1].
 *
 * @param rule The rule.
 * @param steps Number of points (>= 1; the trapezoid needs >= 2).
 * @returns `steps` alphas in increasing order and weights summing to 1.
 * @throws RangeError for a bad step count or an unknown rule.
 *
 * @example Five Gauss-Legendre points
 * ```ts
 * import { integrationPoints } from "./integration.ts";
 * const { alphas, weights } = integrationPoints("gauss-legendre", 5);
 * console.log(alphas.length, weights.reduce((a, b) => a + b)); // 5 1 (up to rounding)
 * ```
 */
export function integrationPoints(rule: IntegrationRule, steps: number): Quadrature {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(
      `Cannot integrate: "steps" must be an integer >= 1, current value is ${steps}`,
    );
  }
  const alphas = new Float64Array(steps), weights = new Float64Array(steps);
  switch (rule) {
    case "gauss-legendre": {
      const gl = gaussLegendre(steps);
      gl.alphas.forEach((x, i) => {
        alphas[i] = (x + 1) / 2;
        weights[i] = gl.weights[i] / 2;
      });
      return { alphas, weights };
    }
    case "riemann-trapezoid":
      if (steps < 2) {
        throw new RangeError(
          `Cannot integrate with riemann-trapezoid: "steps" must be >= 2, current value is ${steps}`,
        );
      }
      for (let i = 0; i < steps; i++) {
        alphas[i] = i / (steps - 1);
        weights[i] = (i === 0 || i === steps - 1 ? 0.5 : 1) / (steps - 1);
      }
      return { alphas, weights };
    case "riemann-left":
    case "riemann-right":
    case "riemann-middle": {
      const offset = rule === "riemann-left" ? 0 : rule === "riemann-right" ? 1 : 0.5;
      for (let i = 0; i < steps; i++) {
        alphas[i] = (i + offset) / steps;
        weights[i] = 1 / steps;
      }
      return { alphas, weights };
    }
    default:
      throw new RangeError(
        `Cannot integrate: unknown rule ${JSON.stringify(rule)}; rules are ${
          INTEGRATION_RULES.join(", ")
        }`,
      );
  }
}

/**
 * Clenshaw-Curtis nodes and weights on [0, 1]: the N + 1 = `points` nodes
 * alpha_j = (1 - cos(j pi / N)) / 2 (ascending, both ends included) and the weights that integrate
 * every polynomial of degree <= N exactly. The rules with 2^k + 1 points nest: each holds every
 * node of the one before, so a refinement only evaluates the new (odd-indexed) nodes.
 *
 * @param points Number of nodes, an integer >= 2.
 * @returns Ascending alphas and positive weights summing to 1.
 * @throws RangeError for fewer than 2 points.
 *
 * @example Three points are Simpson's rule
 * ```ts
 * import { clenshawCurtis } from "./integration.ts";
 * console.log(Array.from(clenshawCurtis(3).weights)); // [1/6, 2/3, 1/6] (up to rounding)
 * ```
 */
export function clenshawCurtis(points: number): Quadrature {
  if (!Number.isInteger(points) || points < 2) {
    throw new RangeError(
      `Cannot integrate with clenshaw-curtis: "points" must be an integer >= 2, current value is ${points}`,
    );
  }
  const n = points - 1;
  const alphas = new Float64Array(points), weights = new Float64Array(points);
  for (let j = 0; j <= n; j++) {
    const theta = j * Math.PI / n;
    // Mirrored so that the nodes are symmetric about 1/2 (and 1/2 itself exact) in floating point.
    alphas[j] = 2 * j < n ? (1 - Math.cos(theta)) / 2 : 2 * j === n ? 0.5 : 1 - alphas[n - j];
    // The weight on [-1, 1] is c_j / n * (1 - sum_k b_k cos(2 k theta) / (4 k^2 - 1)), with
    // c_j = 1 at the ends and 2 inside, b_k = 1 for k = n / 2 and 2 otherwise; halved for [0, 1].
    let sum = 0;
    for (let k = 1; k <= n >> 1; k++) {
      sum += (2 * k === n ? 1 : 2) * Math.cos(2 * k * theta) / (4 * k * k - 1);
    }
    weights[j] = (j === 0 || j === n ? 1 : 2) / n * (1 - sum) / 2;
  }
  return { alphas, weights };
}
