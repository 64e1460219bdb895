import assert from "node:assert/strict";
import { kernelShap } from "./kernel_shap.ts";
import {
  coalitionValues,
  exactShapley,
  modelContext,
  TOY_MASK,
  toyContext,
} from "./_coalitions_testing.ts";
import { releaseTestModels, testModel } from "./_gradient_testing.ts";
import { InputError } from "../errors.ts";

const has = (present: number, k: number) => (present >> k) & 1;
const size = (present: number) => present.toString(2).replaceAll("0", "").length;

/**
 * A toy objective over six players with known Shapley values: weights a, a pair interaction b
 * between players 0 and 1 (half to each), c |S|^2 (c p to each by symmetry) and d when player 2 is
 * in without player 3 (d / 2 to 2, -d / 2 to 3).
 */
const [a, b, c, d] = [[0.5, -1, 2, 0.25, 3, -0.75], 1.5, 0.1, 0.8];
const toy = (present: number) =>
  a.reduce((sum, ak, k) => sum + ak * has(present, k), 0) +
  b * has(present, 0) * has(present, 1) + c * size(present) ** 2 +
  d * has(present, 2) * (1 - has(present, 3));
const toyShapley = a.map((ak, k) =>
  ak + (k < 2 ? b / 2 : 0) + c * 6 + (k === 2 ? d / 2 : k === 3 ? -d / 2 : 0)
);

function assertClose(
  actual: readonly number[],
  expected: readonly number[],
  tol: number,
  what: string,
) {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((v, i) =>
    assert.ok(
      Math.abs(v - expected[i]) <= tol,
      `${what}: entry ${i} is ${v}, expected ${expected[i]}`,
    )
  );
}

Deno.test("kernel-shap: full enumeration gives the hand-computed Shapley values of a toy objective (1e-9)", async () => {
  assertClose(exactShapley(6, toy), toyShapley, 1e-12, "enumerated Shapley vs hand formula");
  for (const replacement of ["remove", "mask"]) {
    const ctx = toyContext(kernelShap, 6, toy, { samples: 62, replacement });
    const { scores, diagnostics } = await kernelShap.run(ctx);
    assertClose(scores, [0, ...toyShapley, 0], 1e-9, `kernel-shap (${replacement})`);
    assert.ok(Math.abs(diagnostics!.convergenceDelta!) < 1e-9);
    assert.equal(ctx.scored.length, 64, "every coalition scored once");
    if (replacement === "mask") {
      assert.ok(ctx.scored.every((row) => row.length === 8 && row.includes(101)));
    } else assert.ok(ctx.scored.some((row) => row.length === 2 && !row.includes(TOY_MASK)));
  }
});

Deno.test("kernel-shap: on real models, full enumeration equals Shapley values enumerated from the model (1e-6)", async () => {
  for (const name of ["distilbert-tiny-opset14", "gpt2-tiny-opset14"]) {
    const model = await testModel(name);
    const ctx = await modelContext(model, kernelShap, "The movie was surprisingly good fun", {
      samples: 64,
    });
    const players = ctx.tokens.filter((t) => !t.special).length;
    assert.equal(players, 6, `${name} splits the text into 6 tokens`);
    const exact = exactShapley(6, await coalitionValues(ctx));
    const { scores } = await kernelShap.run(ctx);
    assertClose(scores.filter((_, i) => !ctx.tokens[i].special), exact, 1e-6, name);
    assert.ok(exact.some((v) => Math.abs(v) > 1e-3), `${name}: the values are not all zero`);
  }
});

Deno.test("kernel-shap: sampled coalitions recover an additive objective exactly, and the seed fixes them", async () => {
  // Ten players need 1022 coalitions for enumeration; 200 sampled ones still determine an additive
  // objective exactly, since the regression model is then exact.
  const w = Array.from({ length: 10 }, (_, k) => Math.sin(k + 1));
  const additive = (present: number) => 0.3 + w.reduce((s, wk, k) => s + wk * has(present, k), 0);
  const run = (seed: number) =>
    kernelShap.run(toyContext(kernelShap, 10, additive, { samples: 200, seed }));
  const first = await run(7);
  assertClose(first.scores, [0, ...w, 0], 1e-9, "additive");
  const interacting = (present: number) =>
    additive(present) + 2 * has(present, 0) * has(present, 9);
  const once = await kernelShap.run(
    toyContext(kernelShap, 10, interacting, { samples: 200, seed: 3 }),
  );
  const again = await kernelShap.run(
    toyContext(kernelShap, 10, interacting, { samples: 200, seed: 3 }),
  );
  const other = await kernelShap.run(
    toyContext(kernelShap, 10, interacting, { samples: 200, seed: 4 }),
  );
  assert.deepEqual(once.scores, again.scores);
  assert.notDeepEqual(once.scores, other.scores);
  assert.ok(Math.abs(once.diagnostics!.convergenceDelta!) < 1e-9, "efficiency holds when sampling");
});

Deno.test("kernel-shap: too few samples for the tokens give a clear error", async () => {
  const ctx = toyContext(kernelShap, 10, (present) => size(present), { samples: 2 });
  await assert.rejects(kernelShap.run(ctx), (error: Error) => {
    assert.ok(error instanceof InputError);
    assert.equal(
      error.message,
      "Cannot run kernel-shap: 2 samples do not determine the scores of 10 tokens (the weighted system is singular); use samples >= 40",
    );
    return true;
  });
});

Deno.test("kernel-shap: one token gets the whole change, no token gives no scores", async () => {
  const one = await kernelShap.run(toyContext(kernelShap, 1, (present) => 4 * present - 1));
  assert.deepEqual(one.scores, [0, 4, 0]);
  const none = await kernelShap.run(toyContext(kernelShap, 0, () => 1));
  assert.deepEqual(none.scores, [0, 0]);
});

Deno.test({ name: "kernel-shap: release models", fn: releaseTestModels, sanitizeResources: false });
