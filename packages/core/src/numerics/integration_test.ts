/** Quadrature rules against known nodes and exact integrals. */
import assert from "node:assert/strict";
import { clenshawCurtis, INTEGRATION_RULES, integrationPoints } from "./integration.ts";
import { Random } from "./random.ts";

Deno.test("gauss-legendre: 3 nodes match the closed form, 50 integrate x^99 exactly", () => {
  const { alphas, weights } = integrationPoints("gauss-legendre", 3);
  const r = Math.sqrt(3 / 5) / 2;
  [0.5 - r, 0.5, 0.5 + r].forEach((x, i) => assert.ok(Math.abs(alphas[i] - x) < 1e-15));
  [5 / 18, 8 / 18, 5 / 18].forEach((w, i) => assert.ok(Math.abs(weights[i] - w) < 1e-15));
  const gl = integrationPoints("gauss-legendre", 50);
  const integral = gl.alphas.reduce((s, a, i) => s + gl.weights[i] * a ** 99, 0);
  assert.ok(Math.abs(integral - 1 / 100) < 1e-13, `got ${integral}`);
});

Deno.test("riemann rules: Captum's points and weights", () => {
  const t = integrationPoints("riemann-trapezoid", 5);
  assert.deepEqual(Array.from(t.alphas), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(Array.from(t.weights), [0.125, 0.25, 0.25, 0.25, 0.125]);
  assert.deepEqual(Array.from(integrationPoints("riemann-left", 4).alphas), [0, 0.25, 0.5, 0.75]);
  assert.deepEqual(Array.from(integrationPoints("riemann-right", 4).alphas), [0.25, 0.5, 0.75, 1]);
  assert.deepEqual(Array.from(integrationPoints("riemann-middle", 4).alphas), [
    0.125,
    0.375,
    0.625,
    0.875,
  ]);
  for (const rule of INTEGRATION_RULES) {
    const q = integrationPoints(rule, 64);
    const sum = q.weights.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-12, `${rule} weights sum to ${sum}`);
    const cube = q.alphas.reduce((s, a, i) => s + q.weights[i] * a ** 3, 0);
    assert.ok(Math.abs(cube - 0.25) < 0.02, `${rule}: integral of x^3 is ${cube}`);
  }
});

Deno.test("clenshaw-curtis: 3 and 5 points match the closed forms, 2^k + 1 points nest and integrate x^(N+1) exactly", () => {
  const three = clenshawCurtis(3);
  assert.deepEqual(Array.from(three.alphas), [0, 0.5, 1]);
  [1 / 6, 4 / 6, 1 / 6].forEach((w, i) => assert.ok(Math.abs(three.weights[i] - w) < 1e-15));
  // N = 4 on [-1, 1]: weights 1/15, 8/15, 12/15, 8/15, 1/15 at cos(j pi / 4).
  const five = clenshawCurtis(5);
  const r = Math.SQRT1_2 / 2;
  [0, 0.5 - r, 0.5, 0.5 + r, 1].forEach((x, i) => assert.ok(Math.abs(five.alphas[i] - x) < 1e-15));
  [1, 8, 12, 8, 1].forEach((w, i) => assert.ok(Math.abs(five.weights[i] - w / 30) < 1e-15));
  for (const points of [9, 17, 33]) {
    const q = clenshawCurtis(points);
    const coarser = clenshawCurtis((points + 1) / 2);
    coarser.alphas.forEach((a, j) => assert.ok(Math.abs(q.alphas[2 * j] - a) < 1e-15));
    // Odd N + 1 nodes: exact up to degree N + 1 by symmetry.
    const top = q.alphas.reduce((s, a, i) => s + q.weights[i] * a ** points, 0);
    assert.ok(
      Math.abs(top - 1 / (points + 1)) < 1e-14,
      `${points} points: x^${points} gives ${top}`,
    );
    // e^x: the error of the N-point rule is about 1 / (N + 1)! (1e-13 at 9 points).
    const exp = q.alphas.reduce((s, a, i) => s + q.weights[i] * Math.exp(a), 0);
    const bound = points === 9 ? 1e-13 : 1e-15;
    assert.ok(Math.abs(exp - (Math.E - 1)) < bound, `${points} points: e^x gives ${exp}`);
  }
  assert.throws(() => clenshawCurtis(1), {
    message:
      'Cannot integrate with clenshaw-curtis: "points" must be an integer >= 2, current value is 1',
  });
});

Deno.test("integration: bad step counts are refused with the allowed range", () => {
  assert.throws(() => integrationPoints("riemann-trapezoid", 1), {
    message: 'Cannot integrate with riemann-trapezoid: "steps" must be >= 2, current value is 1',
  });
  assert.throws(() => integrationPoints("gauss-legendre", 0), {
    message: 'Cannot integrate: "steps" must be an integer >= 1, current value is 0',
  });
});

Deno.test("random: seeded, normal samples have mean 0 and variance 1", () => {
  const a = new Random(42), b = new Random(42);
  assert.equal(a.uniform(), b.uniform());
  const r = new Random(7);
  let sum = 0, sq = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    sum += x;
    sq += x * x;
  }
  assert.ok(
    Math.abs(sum / n) < 0.03 && Math.abs(sq / n - 1) < 0.05,
    `mean ${sum / n}, variance ${sq / n}`,
  );
});
