/** Nested Clenshaw-Curtis integration against exact integrals, with every evaluation counted. */
import assert from "node:assert/strict";
import { clenshawCurtis } from "./integration.ts";
import { integrateNested, nestedPointCounts } from "./nested.ts";

/** f(a) = (a^4, e^a, |a - 1/3|), recording every alpha asked for. */
function recorder() {
  const asked: number[] = [];
  const evaluate = (alphas: Float64Array) => {
    asked.push(...alphas);
    return Promise.resolve(
      Array.from(alphas, (a) => Float64Array.of(a ** 4, Math.exp(a), Math.abs(a - 1 / 3))),
    );
  };
  return { asked, evaluate };
}

Deno.test("nested: each node is evaluated once, and the rules reach the exact integrals", async () => {
  const { asked, evaluate } = recorder();
  const { rules, accepted } = await integrateNested(evaluate, () => false, 33);
  assert.equal(accepted, false);
  assert.deepEqual(rules.map((r) => r.points), [3, 5, 9, 17, 33]);
  // 33 evaluations in all: exactly the nodes of the 33-point rule, none twice.
  assert.equal(asked.length, 33);
  const nodes = Array.from(clenshawCurtis(33).alphas);
  for (const a of asked) assert.ok(nodes.some((x) => Math.abs(x - a) < 1e-15), `${a}`);
  assert.equal(new Set(asked).size, 33);
  // x^4: Simpson's 0.2083..., exact (1/5) from 5 points; e^x: e - 1 to 1e-14 at 17 points.
  assert.ok(Math.abs(rules[0].integral[0] - 1.25 / 6) < 1e-15);
  for (const r of rules.slice(1)) assert.ok(Math.abs(r.integral[0] - 0.2) < 1e-15);
  assert.ok(Math.abs(rules[3].integral[1] - (Math.E - 1)) < 1e-14);
  // |a - 1/3| (a kink) integrates to 5/18 slowly: the error shrinks but stays above 1e-5.
  const kink = rules.map((r) => Math.abs(r.integral[2] - 5 / 18));
  assert.ok(kink[4] < kink[1] && kink[4] > 1e-5, `${kink}`);
  // The change is the L1 distance to the previous rule's integral.
  const [a, b] = [rules[1].integral, rules[2].integral];
  assert.ok(Math.abs(rules[2].change - a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0)) < 1e-15);
  assert.equal(rules[0].change, Infinity);
});

Deno.test("nested: stops at the first accepted rule and respects the cap", async () => {
  const first = recorder();
  const stopped = await integrateNested(first.evaluate, (r) => r.points === 9, 52);
  assert.equal(stopped.accepted, true);
  assert.deepEqual(stopped.rules.map((r) => r.points), [3, 5, 9]);
  assert.equal(first.asked.length, 9);
  const capped = recorder();
  const open = await integrateNested(capped.evaluate, () => false, 20);
  assert.equal(open.accepted, false);
  assert.deepEqual(open.rules.map((r) => r.points), [3, 5, 9, 17]);
  assert.equal(capped.asked.length, 17);
  assert.deepEqual(nestedPointCounts(52), [3, 5, 9, 17, 33]);
  assert.deepEqual(nestedPointCounts(3), [3]);
  assert.throws(() => nestedPointCounts(2), {
    message: 'Cannot integrate: "maxPoints" must be an integer >= 3, current value is 2',
  });
});

Deno.test("nested: minPoints evaluates the first rule in one call and keeps its change", async () => {
  const all = recorder();
  const full = await integrateNested(all.evaluate, () => false, 33);
  const calls: number[] = [];
  const some = recorder();
  const skipped = await integrateNested(
    (alphas) => {
      calls.push(alphas.length);
      return some.evaluate(alphas);
    },
    () => false,
    33,
    5,
  );
  assert.deepEqual(calls, [5, 4, 8, 16]);
  assert.deepEqual(skipped.rules.map((r) => r.points), [5, 9, 17, 33]);
  skipped.rules.forEach((r, k) => {
    assert.ok(Math.abs(r.change - full.rules[k + 1].change) < 1e-15);
    r.integral.forEach((v, i) => assert.ok(Math.abs(v - full.rules[k + 1].integral[i]) < 1e-15));
  });
});
