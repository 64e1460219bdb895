/**
 * Integrated gradients: PyTorch references (Gauss-Legendre and trapezoid, 50 steps, zero baseline),
 * completeness, agreement of the opset-14 and opset-17 exports, adaptive steps, baselines, progress
 * and cancellation.
 */
import assert from "node:assert/strict";
import { AbortError, InputError } from "../errors.ts";
import { forwardLogits } from "../forward.ts";
import { integratedGradients } from "./integrated_gradients.ts";
import {
  methodContext,
  referenceTexts,
  relativeL2,
  releaseTestModels,
  TEST_MODELS,
  testModel,
} from "./_gradient_testing.ts";

for (const name of TEST_MODELS) {
  Deno.test(`integrated-gradients on ${name} matches PyTorch (gauss-legendre and trapezoid, 50 steps)`, async () => {
    const model = await testModel(name);
    for (const text of await referenceTexts(name)) {
      for (
        const [integration, key, deltaKey] of [
          ["gauss-legendre", "integrated_gradients_gl50", "ig_gl50_delta"],
          ["riemann-trapezoid", "integrated_gradients_trap50", "ig_trap50_delta"],
        ] as const
      ) {
        const ctx = methodContext(model, integratedGradients, text, { params: { integration } });
        const { scores, diagnostics } = await integratedGradients.run(ctx);
        const error = relativeL2(scores, text[key] as number[]);
        assert.ok(error < 1e-4, `${key} "${text.text}": relative L2 error ${error}`);
        // PyTorch's delta is float64; ours adds float32 rounding of J, about 1e-6 of its size.
        assert.ok(
          Math.abs(diagnostics!.convergenceDelta! - (text[deltaKey] as number)) < 2e-4,
          `${deltaKey}`,
        );
        assert.equal(ctx.counters.backward, 52);
        assert.deepEqual(ctx.params, {
          steps: 50,
          integration,
          baseline: "zero",
          batchSize: "auto",
          tolerance: 0.01,
        });
      }
    }
  });
}

Deno.test("integrated-gradients: |delta| falls as the steps grow (riemann-right)", async () => {
  const model = await testModel("gpt2-tiny-opset17");
  const text = (await referenceTexts("gpt2-tiny-opset17"))[0];
  const deltas: number[] = [];
  for (const steps of [4, 16, 64]) {
    const ctx = methodContext(model, integratedGradients, text, {
      params: { steps, integration: "riemann-right" },
    });
    deltas.push(Math.abs((await integratedGradients.run(ctx)).diagnostics!.convergenceDelta!));
  }
  assert.ok(deltas[0] > deltas[1] && deltas[1] > deltas[2], `deltas ${deltas}`);
  assert.ok(deltas[2] < 0.05 * deltas[0], `deltas ${deltas}`);
});

for (const family of ["distilbert-tiny", "gpt2-tiny"]) {
  Deno.test(`integrated-gradients: ${family} exported at opsets 14 and 17 gives the same attributions`, async () => {
    const texts = await referenceTexts(`${family}-opset14`);
    for (const text of texts) {
      const [a, b] = await Promise.all(["opset14", "opset17"].map(async (opset) => {
        const model = await testModel(`${family}-${opset}`);
        return (await integratedGradients.run(methodContext(model, integratedGradients, text)))
          .scores;
      }));
      assert.ok(relativeL2(a, b) < 1e-5, `"${text.text}": ${relativeL2(a, b)}`);
    }
  });
}

Deno.test("integrated-gradients: steps auto stops within tolerance with fewer steps than 50", async () => {
  // GPT-2's GELU is smooth; the DistilBERT test export's ReLU head makes the integrand jump, which
  // needs 128 points there.
  const model = await testModel("gpt2-tiny-opset17");
  for (const text of await referenceTexts("gpt2-tiny-opset17")) {
    const ctx = methodContext(model, integratedGradients, text, {
      params: { steps: "auto", tolerance: 0.01 },
    });
    const { scores, diagnostics } = await integratedGradients.run(ctx);
    const total = scores.reduce((s, v) => s + v, 0);
    const change = total - diagnostics!.convergenceDelta!;
    assert.equal(diagnostics!.converged, true);
    assert.ok(Math.abs(diagnostics!.convergenceDelta!) <= Math.max(0.01 * Math.abs(change), 1e-6));
    // Nested rules: the cost is the last rule's point count, both ends included.
    const tried = diagnostics!.stepsTried as number[];
    assert.deepEqual(tried, [5, 9, 17, 33].slice(0, tried.length));
    assert.equal(diagnostics!.steps, tried.at(-1));
    assert.ok(tried.at(-1)! <= 17, `steps ${diagnostics!.steps}`);
    assert.equal(ctx.counters.backward, tried.at(-1), "every point evaluated once");
    assert.ok(relativeL2(scores, text.integrated_gradients_gl50 as number[]) < 0.02);
  }
});

Deno.test("integrated-gradients: steps auto never costs more rows than the fixed default", async () => {
  // Tolerance 0 can only be met under the noise floor: the run goes to the 33-point cap (52 rows
  // for the fixed 50), and says it did not converge; its gap is still that of a 33-point rule.
  const model = await testModel("distilbert-tiny-opset17");
  const text = (await referenceTexts("distilbert-tiny-opset17"))[0];
  const ctx = methodContext(model, integratedGradients, text, {
    params: { steps: "auto", tolerance: 0 },
  });
  const { scores, diagnostics } = await integratedGradients.run(ctx);
  assert.deepEqual(diagnostics!.stepsTried, [5, 9, 17, 33]);
  assert.equal(ctx.counters.backward, 33);
  assert.equal(diagnostics!.converged, false);
  assert.ok(relativeL2(scores, text.integrated_gradients_gl50 as number[]) < 0.05);
});

Deno.test("integrated-gradients: pad, unk and mask baselines: sum(scores) - delta is f(x) - f(baseline ids)", async () => {
  const model = await testModel("distilbert-tiny-opset17");
  const text = (await referenceTexts("distilbert-tiny-opset17"))[0];
  const { values } = text.logits as { values: number[] };
  const special = text.input_ids.map((id) => model.tokenizer.isSpecial(id));
  assert.deepEqual(special, text.input_ids.map((_, i) => i === 0 || i === special.length - 1));
  for (const [baseline, token] of [["pad", 0], ["unk", 100], ["mask", 103]] as const) {
    const ctx = methodContext(model, integratedGradients, text, { params: { baseline } });
    const { scores, diagnostics } = await integratedGradients.run(ctx);
    // The baseline's own forward pass: every ordinary token replaced, [CLS] and [SEP] kept.
    const ids = text.input_ids.map((id, i) => (special[i] ? id : token));
    const { logits, vocab } = await forwardLogits(model, [ids]);
    const change = values[text.target_id] - logits[text.target_id];
    assert.equal(vocab, 2);
    const total = scores.reduce((a, b) => a + b, 0);
    assert.ok(
      Math.abs(total - diagnostics!.convergenceDelta! - change) < 1e-4,
      `${baseline}: sum(scores) - delta = ${
        total - diagnostics!.convergenceDelta!
      }, f(x) - f(x0) = ${change}`,
    );
    // Special tokens start where they end: nothing to integrate.
    assert.equal(scores[0], 0);
    assert.equal(scores[scores.length - 1], 0);
    assert.ok(scores.slice(1, -1).every((s) => s !== 0), baseline);
  }
});

Deno.test("integrated-gradients: a baseline token the tokenizer lacks is an InputError naming the choices", async () => {
  const model = await testModel("gpt2-tiny-opset17");
  const text = (await referenceTexts("gpt2-tiny-opset17"))[0];
  const ctx = methodContext(model, integratedGradients, text, { params: { baseline: "mask" } });
  await assert.rejects(
    () => integratedGradients.run(ctx),
    (e: unknown) =>
      e instanceof InputError &&
      /^Cannot run integrated-gradients: baseline "mask" needs a mask token, which the tokenizer of .* does not have; use zero/
        .test(
          e.message,
        ),
  );
});

Deno.test("integrated-gradients: progress per batch, and an abort stops between batches", async () => {
  const model = await testModel("gpt2-tiny-opset17");
  const text = (await referenceTexts("gpt2-tiny-opset17"))[0];
  const seen: [number, number][] = [];
  const ctx = methodContext(model, integratedGradients, text, {
    params: { steps: 20, batchSize: 8 },
    onProgress: (done, total) => seen.push([done, total]),
  });
  await integratedGradients.run(ctx);
  assert.deepEqual(seen, [[8, 22], [16, 22], [22, 22]]);

  const controller = new AbortController();
  let batches = 0;
  const aborting = methodContext(model, integratedGradients, text, {
    params: { steps: 20, batchSize: 4 },
    signal: controller.signal,
    onProgress: () => {
      if (++batches === 2) controller.abort();
    },
  });
  await assert.rejects(() => integratedGradients.run(aborting), AbortError);
  assert.equal(batches, 2);
});

Deno.test({
  name: "integrated-gradients: release models",
  fn: releaseTestModels,
  sanitizeResources: false,
});
