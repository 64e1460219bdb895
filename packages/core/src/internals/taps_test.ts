import assert from "node:assert/strict";
import { loadModel, type Model } from "../model.ts";
import { explain } from "../explain.ts";
import { feedsFor } from "../feeds.ts";
import { runTaps } from "./taps.ts";
import { referenceTexts } from "../methods/_gradient_testing.ts";
import { attentionFlow as referenceFlow } from "@glassbox/wasm/reference";

const fixture = (name: string) => new URL(`../../../../testdata/models/${name}/`, import.meta.url);

async function withModel(name: string, fn: (m: Model) => Promise<void>) {
  const m = await loadModel(fixture(name));
  try {
    await fn(m);
  } finally {
    await m.release();
  }
}

// Same weights, same ops: the taps differ from the exported outputs only by float32 rounding (the two
// graphs are optimized separately), so the tolerance is a few ulps of values below 1.
Deno.test("attention taps equal the attentions a model exports itself", async () => {
  await withModel("gpt2-tiny-attentions", async (model) => {
    const ids = model.tokenizer.encode("The taps must match the exported attention exactly").ids;
    const own = await model.session.run(feedsFor(model, [ids]));
    const taps = await runTaps(model, ids);
    const exported = Object.keys(own).filter((k) => k.startsWith("attentions.")).sort();
    assert.equal(taps.attention.length, exported.length);
    exported.forEach((name, l) => {
      const a = own[name].data as Float32Array, b = taps.attention[l].data;
      assert.equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) {
        assert.ok(Math.abs(a[i] - b[i]) <= 1e-6, `layer ${l} entry ${i}: ${a[i]} vs ${b[i]}`);
      }
    });
  });
});

/** Rollout written out plainly: mean over heads, 0.5 A + 0.5 I, rows renormalised, R = A_L ... A_1. */
function plainRollout(layers: Float32Array[], heads: number, n: number): number[][] {
  let r: number[][] = Array.from(
    { length: n },
    (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
  );
  for (const a of layers) {
    const m = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => {
        let s = 0;
        for (let h = 0; h < heads; h++) s += a[(h * n + i) * n + j];
        return 0.5 * s / heads + (i === j ? 0.5 : 0);
      }));
    for (const row of m) {
      const total = row.reduce((x, y) => x + y, 0);
      row.forEach((_, j) => (row[j] /= total));
    }
    r = m.map((row) => r[0].map((_, j) => row.reduce((s, v, k) => s + v * r[k][j], 0)));
  }
  return r;
}

Deno.test("attention-rollout matches a plain rollout and attention-flow the reference max-flow", async () => {
  for (const name of ["distilbert-tiny-opset14", "gpt2-tiny-opset14"]) {
    await withModel(name, async (model) => {
      const text = "Rollout and flow over a short sentence";
      const ids = model.tokenizer.encode(text).ids;
      const taps = await runTaps(model, ids);
      const n = ids.length, heads = taps.attention[0].heads;
      const rollout = await explain(model, text, { method: "attention-rollout" });
      const expected = plainRollout(taps.attention.map((a) => a.data), heads, n);
      assert.equal(rollout.attention?.kind, "rollout");
      rollout.attention!.matrix.forEach((row, i) =>
        row.forEach((v, j) =>
          assert.ok(Math.abs(v - expected[i][j]) < 1e-5, `${name} rollout[${i}][${j}]`)
        )
      );
      const position = rollout.target.position;
      assert.deepEqual(rollout.scores, rollout.attention!.matrix[position]);
      const flow = await explain(model, text, { method: "attention-flow" });
      const all = new Float32Array(taps.attention.length * heads * n * n);
      taps.attention.forEach((a, l) => all.set(a.data, l * heads * n * n));
      const reference = referenceFlow(all, taps.attention.length, heads, n);
      flow.attention!.matrix.forEach((row, i) =>
        row.forEach((v, j) =>
          assert.ok(Math.abs(v - reference[i * n + j]) < 1e-5, `${name} flow[${i}][${j}]`)
        )
      );
    });
  }
});

Deno.test("raw attention: one layer and head, or averages; bad indices are refused", async () => {
  await withModel("gpt2-tiny-opset14", async (model) => {
    const text = "Where does the last token look";
    const ids = model.tokenizer.encode(text).ids;
    const taps = await runTaps(model, ids);
    const n = ids.length;
    const one = await explain(model, text, { method: "attention", params: { layer: 1, head: 0 } });
    assert.deepEqual(one.attention?.layer, 1);
    one.attention!.matrix.forEach((row, i) =>
      row.forEach((v, j) => assert.ok(Math.abs(v - taps.attention[1].data[i * n + j]) < 1e-6))
    );
    const mean = await explain(model, text, { method: "attention" });
    const heads = taps.attention[0].heads, layers = taps.attention.length;
    assert.deepEqual([mean.diagnostics.layers, mean.diagnostics.heads], [layers, heads]);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < layers; l++) {
        for (let h = 0; h < heads; h++) s += taps.attention[l].data[(h * n + n - 1) * n + j];
      }
      assert.ok(Math.abs(mean.scores[j] - s / (layers * heads)) < 1e-6);
    }
    await assert.rejects(explain(model, text, { method: "attention", params: { layer: 7 } }), {
      message:
        `Cannot run attention: "layer" must be < ${layers} for model ${model.id}, current value is 7`,
    });
  });
});

interface Internals {
  attentions: number[][][][];
  neurons: number[][][];
  logit_lens?: { ids: number[][]; probabilities: number[][]; target_probability: number }[];
}

function near(actual: number, expected: number, what: string, tolerance = 1e-5) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs PyTorch ${expected}`,
  );
}

Deno.test("attention and neuron taps equal PyTorch's attention probabilities and post-activation MLP values", async () => {
  for (const name of ["distilbert-tiny-opset14", "gpt2-tiny-opset17"]) {
    await withModel(name, async (model) => {
      for (const text of await referenceTexts(name)) {
        const ref = text as unknown as Internals;
        const taps = await runTaps(model, text.input_ids);
        const n = text.input_ids.length;
        assert.equal(taps.attention.length, ref.attentions.length);
        ref.attentions.forEach((layer, l) =>
          layer.forEach((head, h) =>
            head.forEach((row, i) =>
              row.forEach((v, j) =>
                near(
                  taps.attention[l].data[(h * n + i) * n + j],
                  v,
                  `${name} a[${l}][${h}][${i}][${j}]`,
                )
              )
            )
          )
        );
        assert.equal(taps.neurons.length, ref.neurons.length);
        ref.neurons.forEach((layer, l) => {
          const { data, width } = taps.neurons[l];
          assert.equal(width, layer[0].length);
          layer.forEach((row, i) =>
            row.forEach((v, k) => near(data[i * width + k], v, `${name} neuron[${l}][${i}][${k}]`))
          );
        });
      }
    });
  }
});

Deno.test("neurons: each token's top neurons are PyTorch's largest post-activation values", async () => {
  await withModel("gpt2-tiny-opset14", async (model) => {
    const [text] = await referenceTexts("gpt2-tiny-opset14");
    const ref = text as unknown as Internals;
    const e = await explain(model, text.text, {
      method: "neurons",
      params: { neuronsPerToken: 3 },
    });
    const view = e.views!.neurons as {
      layers: {
        layer: number;
        width: number;
        tokens: { top: { neuron: number; value: number }[] }[];
      }[];
    };
    assert.deepEqual(view.layers.map((l) => [l.layer, l.width]), [[0, 64], [1, 64]]);
    view.layers.forEach(({ tokens }, l) =>
      tokens.forEach(({ top }, i) => {
        const row = ref.neurons[l][i];
        const order = row.map((_, k) => k).sort((a, b) => Math.abs(row[b]) - Math.abs(row[a]));
        top.forEach(({ neuron, value }, j) => {
          near(value, row[order[j]], `layer ${l} token ${i} rank ${j}`);
          if (Math.abs(Math.abs(row[order[j]]) - Math.abs(row[order[j + 1]])) > 1e-4) {
            assert.equal(neuron, order[j], `layer ${l} token ${i} rank ${j}`);
          }
        });
      })
    );
    e.scores.forEach((s, i) =>
      near(s, Math.max(...ref.neurons[1][i].map(Math.abs)), `score of token ${i}`)
    );
  });
});

Deno.test("logit lens: every layer, the middle ones too, gives PyTorch's top tokens and target probability", async () => {
  await withModel("gpt2-tiny-opset14", async (model) => {
    for (const text of await referenceTexts("gpt2-tiny-opset14")) {
      const lens = (text as unknown as Internals).logit_lens!;
      const e = await explain(model, text.text, { method: "logit-lens", params: { topK: 5 } });
      assert.equal(e.target.id, text.target_id);
      const view = e.views!.logitLens as {
        layers: {
          layer: number;
          positions: { top: { id: number; probability: number }[] }[];
          targetProbability: number;
        }[];
      };
      assert.deepEqual(view.layers.map((l) => l.layer), [0, 1, 2], "embeddings + 2 layers");
      view.layers.forEach((layer, l) => {
        const { ids, probabilities, target_probability } = lens[l];
        near(layer.targetProbability, target_probability, `layer ${l} target probability`);
        layer.positions.forEach(({ top }, i) =>
          top.forEach((t, j) => {
            near(t.probability, probabilities[i][j], `layer ${l} position ${i} rank ${j}`);
            const p = probabilities[i];
            const tied = (j > 0 && p[j - 1] - p[j] < 1e-5) || p[j] - p[j + 1] < 1e-5;
            if (!tied) assert.equal(t.id, ids[i][j], `layer ${l} position ${i} rank ${j}`);
          })
        );
      });
      near(e.scores[text.position], lens[2].target_probability, "score at the explained position");
    }
  });
  await withModel("distilbert-tiny-opset14", async (model) => {
    await assert.rejects(explain(model, "no lens here", { method: "logit-lens" }), {
      message:
        `Method logit-lens works only for text-generation models; ${model.id} is text-classification`,
    });
  });
});
