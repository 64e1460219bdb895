import assert from "node:assert/strict";
import { explain, type Explanation, loadModel } from "@glassbox/core";
import { faithfulness, rankTokens, trapezoid, withFaithfulness } from "./faithfulness.ts";
import { loadToy, TOYS } from "./_toys.ts";

const TEXT = "the movie was wonderful but the ending felt boring and sad";
const LEXICON: Record<string, number> = JSON.parse(
  await Deno.readTextFile(new URL("lexicon.json", TOYS)),
);

/**
 * In bow-linear, logit(POSITIVE) = b + sum of w[token] over the real tokens, so leave-one-out occlusion
 * gives w exactly: the reference every expected value below is computed from, by hand.
 */
async function setup() {
  const model = await loadToy("bow-linear");
  const explanation = await explain(model, TEXT, { method: "occlusion", targetId: 1 });
  const w = explanation.scores;
  return { model, explanation, w };
}

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tol ${tol})`);

Deno.test("faithfulness: comprehensiveness, sufficiency and curves match the linear model by hand", async () => {
  const { model, explanation, w } = await setup();
  try {
    // The reference itself: lexicon words weigh score / 2 toward POSITIVE.
    explanation.tokens.forEach((t, i) => {
      if (t.text in LEXICON) close(w[i], LEXICON[t.text] / 2, 1e-5, `w[${t.text}]`);
    });
    const order = rankTokens(explanation);
    assert.equal(order.length, 11);
    assert.equal(explanation.tokens[order[0]].text, "wonderful");
    assert.equal(explanation.tokens[order[10]].text, "boring");

    const report = await faithfulness(model, explanation, { output: "logit" });
    const sum = (idx: number[]) => idx.reduce((s, i) => s + w[i], 0);
    // ceil(k% of 11): 1, 1, 2, 3, 6 tokens.
    assert.deepEqual(report.comprehensiveness.bins.map((b) => b.tokens), [1, 1, 2, 3, 6]);
    const comp = [1, 1, 2, 3, 6].map((c) => sum(order.slice(0, c)));
    const suff = [1, 1, 2, 3, 6].map((c) => sum(order.slice(c)));
    report.comprehensiveness.bins.forEach((b, i) => close(b.value, comp[i], 1e-5, `comp ${i}`));
    report.sufficiency.bins.forEach((b, i) => close(b.value, suff[i], 1e-5, `suff ${i}`));
    close(report.comprehensiveness.aopc, comp.reduce((a, b) => a + b) / 5, 1e-5, "comp aopc");
    close(report.sufficiency.aopc, suff.reduce((a, b) => a + b) / 5, 1e-5, "suff aopc");

    // 11 tokens <= 20 points: one point per token. Deletion at s = f(x) - (w of the top s).
    const full = report.full;
    assert.equal(report.deletion.points.length, 12);
    report.deletion.points.forEach((p, s) => {
      close(p.fraction, s / 11, 1e-12, "fraction");
      close(p.value, full - sum(order.slice(0, s)), 1e-5, `deletion ${s}`);
    });
    report.insertion.points.forEach((p, s) =>
      close(p.value, full - sum(order.slice(s)), 1e-5, `insertion ${s}`)
    );
    let auc = 0;
    for (let s = 1; s <= 11; s++) {
      auc += (1 / 11) * ((full - sum(order.slice(0, s - 1))) + (full - sum(order.slice(0, s)))) / 2;
    }
    close(report.deletion.auc, auc, 1e-5, "deletion auc");
    close(report.empty, full - sum(order), 1e-5, "empty");
    // full, empty, 5 + 5 bins, 12 + 12 curve points, minus the rows that coincide.
    assert.ok(report.forwardPasses < 36, `forward passes ${report.forwardPasses}`);
  } finally {
    await model.release();
  }
});

Deno.test("faithfulness: probability output, replacement by [UNK] (weight 0) equals removal", async () => {
  const { model, explanation, w } = await setup();
  try {
    const removed = await faithfulness(model, explanation);
    const replaced = await faithfulness(model, explanation, { replacement: "unk", curvePoints: 4 });
    assert.equal(removed.output, "probability");
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    // p(POSITIVE) = sigmoid(logit1 - logit0) = sigmoid(2 * (b1 + sum w)) with w0 = -w1, b0 = -b1.
    const logit1 = explanation.predictions.find((p) => p.id === 1)!.logit;
    close(removed.full, sigmoid(2 * logit1), 1e-5, "full");
    const order = rankTokens(explanation);
    const top1 = sigmoid(2 * (logit1 - w[order[0]]));
    close(removed.comprehensiveness.bins[0].value, removed.full - top1, 1e-5, "comp 1%");
    replaced.comprehensiveness.bins.forEach((b, i) =>
      close(b.value, removed.comprehensiveness.bins[i].value, 1e-5, `unk bin ${i}`)
    );
    // 4 curve points over 11 tokens: after 0, 3, 6, 8 and 11 tokens.
    assert.deepEqual(replaced.deletion.points.map((p) => Math.round(p.fraction * 11)), [
      0,
      3,
      6,
      8,
      11,
    ]);
  } finally {
    await model.release();
  }
});

Deno.test("faithfulness: a reversed ranking is less faithful than the true one", async () => {
  const { model, explanation } = await setup();
  try {
    const reversed: Explanation = { ...explanation, scores: explanation.scores.map((s) => -s) };
    const good = await faithfulness(model, explanation);
    const bad = await faithfulness(model, reversed);
    assert.ok(good.comprehensiveness.aopc > bad.comprehensiveness.aopc);
    assert.ok(good.sufficiency.aopc < bad.sufficiency.aopc);
    assert.ok(good.deletion.auc < bad.deletion.auc);
    assert.ok(good.insertion.auc > bad.insertion.auc);
    const withReport = await withFaithfulness(model, explanation, { output: "logit" });
    assert.equal(
      (withReport.diagnostics.faithfulness as { output: string }).output,
      "logit",
    );
    assert.equal(explanation.diagnostics.faithfulness, undefined);
  } finally {
    await model.release();
  }
});

Deno.test("faithfulness: bad options give errors that say what is allowed", async () => {
  const { model, explanation } = await setup();
  try {
    await assert.rejects(
      () => faithfulness(model, explanation, { replacement: "blank" as "remove" }),
      {
        name: "TypeError",
        message:
          'Cannot compute faithfulness: "replacement" must be one of remove, unk, mask, pad, current value is "blank"',
      },
    );
    await assert.rejects(() => faithfulness(model, explanation, { fractions: [0.1, 2] }), {
      name: "RangeError",
      message: "Cannot compute faithfulness: every fraction must be in (0, 1], current value is 2",
    });
  } finally {
    await model.release();
  }
});

Deno.test("trapezoid: area of a straight line from 1 to 0", () => {
  assert.equal(
    trapezoid([{ fraction: 0, value: 1 }, { fraction: 0.5, value: 0.5 }, {
      fraction: 1,
      value: 0,
    }]),
    0.5,
  );
});

Deno.test("faithfulness: on a causal LM, f(x) is the explained next token's probability", async () => {
  const model = await loadModel("gpt2-tiny");
  try {
    const e = await explain(model, "The dog ran across the", { method: "occlusion" });
    const report = await faithfulness(model, e);
    close(report.full, e.target.probability, 1e-6, "full");
    // GPT-2's tokenizer adds no special tokens: every token is ranked, one curve point per token.
    assert.equal(report.tokens, e.tokens.filter((t) => !t.special).length);
    assert.equal(report.deletion.points.length, report.tokens + 1);
  } finally {
    await model.release();
  }
});
