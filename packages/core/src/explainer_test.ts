import assert from "node:assert/strict";
import { loadModel } from "./model.ts";
import { createExplainer } from "./explainer.ts";
import { explain } from "./explain.ts";
import { occlusion } from "./methods/occlusion.ts";
import { lime } from "./methods/lime.ts";
import { UnknownMethodError } from "./errors.ts";

const fixture = new URL("../../../testdata/models/distilbert-tiny-opset14/", import.meta.url);

Deno.test("an explainer over a subset runs its methods as explain() does and refuses the others", async () => {
  const model = await loadModel(fixture);
  try {
    const subset = createExplainer([occlusion, lime]);
    assert.deepEqual(subset.methods.ids, ["occlusion", "lime"]);
    const text = "The movie was surprisingly good";
    for (
      const [method, params] of [["occlusion", { window: 2 }], ["lime", { samples: 40 }]] as const
    ) {
      const mine = await subset.explain(model, text, { method, params });
      const full = await explain(model, text, { method, params });
      assert.deepEqual(mine.scores, full.scores, method);
      assert.deepEqual(mine.method, full.method, method);
      assert.deepEqual(mine.words, full.words, method);
    }
    for (const method of ["saliency", "attention"]) {
      await assert.rejects(subset.explain(model, text, { method }), (e: unknown) => {
        assert.ok(e instanceof UnknownMethodError);
        assert.equal(e.message, `Unknown method "${method}": known methods are occlusion, lime`);
        return true;
      });
    }
    // warmUp skips what the explainer does not have.
    assert.deepEqual(await subset.warmUp(model), []);
    assert.deepEqual(await subset.warmUp(model, ["occlusion", "saliency"]), ["occlusion"]);
  } finally {
    await model.release();
  }
});

Deno.test("layer and head options are checked against the model's counts, with one message", async () => {
  const dir = new URL("../../../testdata/models/gpt2-tiny-opset14/", import.meta.url);
  const { n_layer: layers, n_head: heads } = JSON.parse(
    await Deno.readTextFile(new URL("config.json", dir)),
  );
  const model = await loadModel(dir);
  try {
    const cases = [
      ["neurons", { layer: layers }, `"layer" must be < ${layers}`],
      ["attention", { layer: layers + 3 }, `"layer" must be < ${layers}`],
      ["attention", { head: heads }, `"head" must be < ${heads}`],
    ] as const;
    for (const [method, params, rule] of cases) {
      const value = Object.values(params)[0];
      await assert.rejects(explain(model, "one two", { method, params }), {
        name: "InputError",
        message: `Cannot run ${method}: ${rule} for model ${model.id}, current value is ${value}`,
      });
    }
  } finally {
    await model.release();
  }
});
