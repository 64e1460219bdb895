/** Quadrature rules against known nodes and exact integrals. */
import assert from "node:assert/strict";
import { INTEGRATION_RULES, integrationPoints } from "./integration.ts";
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
