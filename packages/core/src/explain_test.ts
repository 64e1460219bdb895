import assert from "node:assert/strict";
import { loadModel, type Model } from "./model.ts";
import { explain } from "./explain.ts";
import { forwardLogits } from "./forward.ts";
import { objectiveOf } from "./scoring.ts";
import { AbortError, InputError } from "./errors.ts";
import { checkSchema, type SchemaNode } from "./testing/schema_check.ts";

const schema: SchemaNode = JSON.parse(
  await Deno.readTextFile(new URL("../explanation.schema.json", import.meta.url)),
);
const fixture = (name: string) => new URL(`../../../testdata/models/${name}/`, import.meta.url);

async function withModel(source: string | URL, fn: (model: Model) => Promise<void>) {
  const model = await loadModel(source);
  try {
    await fn(model);
  } finally {
    await model.release();
  }
}

Deno.test("occlusion equals the objective's drop when each token is removed, for every output kind", async () => {
  for (const name of ["distilbert-tiny-opset14", "gpt2-tiny-opset14"]) {
    await withModel(fixture(name), async (model) => {
      const text = "The movie was surprisingly good";
      for (const output of ["logit", "probability", "log-probability"] as const) {
        const e = await explain(model, text, { method: "occlusion", output });
        assert.deepEqual(checkSchema(schema, JSON.parse(JSON.stringify(e))), []);
        const ids = e.tokens.map((t) => t.id);
        const rows = [ids, ...ids.map((_, i) => ids.filter((_, j) => j !== i))];
        const { logits, vocab } = await forwardLogits(model, rows);
        const f = objectiveOf(logits, vocab, output, e.target.id);
        e.tokens.forEach((t, i) => {
          const expected = t.special ? 0 : f[0] - f[i + 1];
          assert.ok(
            Math.abs(e.scores[i] - expected) < 1e-6,
            `${name} ${output} token ${i}: ${e.scores[i]} vs ${expected}`,
          );
        });
        assert.equal(
          e.diagnostics.forwardPasses,
          1 + 1 + e.tokens.filter((t) => !t.special).length,
        );
      }
    });
  }
});

Deno.test("occlusion windows average the drops of the windows covering each token", async () => {
  await withModel(fixture("distilbert-tiny-opset14"), async (model) => {
    const e = await explain(model, "one two three four", {
      method: "occlusion",
      params: { window: 2, replacement: "mask" },
    });
    const ids = e.tokens.map((t) => t.id);
    const mask = model.tokenizer.specialIds.mask!;
    const windows = [[1, 2], [2, 3], [3, 4]];
    const rows = [ids, ...windows.map((w) => ids.map((id, i) => (w.includes(i) ? mask : id)))];
    const { logits, vocab } = await forwardLogits(model, rows);
    const f = objectiveOf(logits, vocab, "logit", e.target.id);
    const drop = (k: number) => f[0] - f[k + 1];
    const expected = [0, drop(0), (drop(0) + drop(1)) / 2, (drop(1) + drop(2)) / 2, drop(2), 0];
    expected.forEach((v, i) => assert.ok(Math.abs(e.scores[i] - v) < 1e-6, `token ${i}`));
    assert.deepEqual(e.method.params, { window: 2, replacement: "mask", aggregation: "sum" });
  });
});

Deno.test("targets and contrasts by label, token text and id; contrast scores are target minus contrast", async () => {
  await withModel(fixture("distilbert-tiny-opset14"), async (model) => {
    const text = "a fine day";
    const byLabel = await explain(model, text, { target: "positive", contrast: "NEGATIVE" });
    assert.equal(byLabel.target.label, model.labels![1]);
    assert.equal(byLabel.contrast?.id, 0);
    const pos = await explain(model, text, { targetId: 1 });
    const neg = await explain(model, text, { targetId: 0 });
    byLabel.scores.forEach((s, i) =>
      assert.ok(Math.abs(s - (pos.scores[i] - neg.scores[i])) < 1e-6)
    );
    await assert.rejects(explain(model, text, { target: "neutral" }), {
      name: "InputError",
      message: `Unknown target label "neutral"; model ${model.id} has labels ${
        model.labels!.join(", ")
      }`,
    });
    await assert.rejects(explain(model, text, { targetId: 2 }), {
      message: `targetId must be an integer from 0 to 1 for model ${model.id}, current value is 2`,
    });
  });
  await withModel(fixture("gpt2-tiny-opset14"), async (model) => {
    const e = await explain(model, "I would like a cup of", { target: "tea" });
    assert.equal(e.target.id, model.tokenizer.encode(" tea", { addSpecialTokens: false }).ids[0]);
    assert.equal(e.target.position, e.tokens.length - 1);
    await assert.rejects(
      explain(model, "I would like", { target: "glassboxification" }),
      (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.match(
          err.message,
          /^target "glassboxification" is \d+ tokens \(.*\), not one; give a single token or use targetId$/,
        );
        return true;
      },
    );
  });
});

Deno.test("bad input: empty text, too many tokens, unknown method, bad options, aborted", async () => {
  await withModel(fixture("distilbert-tiny-opset14"), async (model) => {
    await assert.rejects(explain(model, "  \n "), {
      message: "Text is empty: give at least one non-whitespace character",
    });
    const long = "word ".repeat(model.maxTokens);
    await assert.rejects(explain(model, long), {
      message:
        `Text is ${
          model.maxTokens + 2
        } tokens long, but model ${model.id} takes at most ${model.maxTokens} tokens ` +
        "(special tokens included); shorten the text",
    });
    await assert.rejects(explain(model, "ok", { method: "toString" }), {
      name: "UnknownMethodError",
    });
    await assert.rejects(explain(model, "ok", { params: { window: 0 } }), {
      name: "RangeError",
      message: 'Cannot run occlusion: "window" must be >= 1, current value is 0',
    });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(explain(model, "ok", { signal: controller.signal }), AbortError);
    const seen: number[] = [];
    await explain(model, "progress is reported", {
      onProgress: (p) => seen.push(p.done / p.total),
    });
    assert.ok(seen.length >= 2 && seen[seen.length - 1] === 1);
  });
  await withModel(fixture("gpt2-tiny-opset14"), async (model) => {
    await assert.rejects(explain(model, "hello there", { params: { replacement: "mask" } }), {
      message:
        `Cannot run occlusion: replacement "mask" needs a mask token, which the tokenizer of ${model.id} does not have; use remove or unk`,
    });
  });
});

Deno.test("warmUp builds the derived graphs once and reports what is ready", async () => {
  const { warmUp } = await import("./explain.ts");
  await withModel(fixture("gpt2-tiny-opset14"), async (model) => {
    assert.deepEqual(await warmUp(model), ["integrated-gradients", "attention-rollout"]);
    for (const key of ["gradient:logit", "taps", "position-head"]) {
      assert.ok(model.derived.has(key), key);
    }
    assert.deepEqual(await warmUp(model, ["no-such-method"]), []);
  });
});
