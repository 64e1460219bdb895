/**
 * Load-time id checks and RoBERTa's position limit, on copies of a test model with config.json
 * edited (exact messages).
 */
import assert from "node:assert/strict";
import { loadModel } from "./model.ts";
import { predict } from "./predict.ts";

const FIXTURE = new URL("../../../testdata/models/distilbert-tiny-opset14/", import.meta.url);

async function withConfig(
  edit: Record<string, unknown>,
  run: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "glassbox-bounds-" });
  try {
    await Deno.mkdir(`${dir}/onnx`);
    for (const f of ["tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]) {
      await Deno.copyFile(new URL(f, FIXTURE), `${dir}/${f}`);
    }
    const config = JSON.parse(await Deno.readTextFile(new URL("config.json", FIXTURE)));
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ ...config, ...edit }));
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a vocab_size below an id the tokenizer makes is a ModelLoadError naming the token", async () => {
  const vocab = JSON.parse(await Deno.readTextFile(new URL("tokenizer.json", FIXTURE))).model
    .vocab as Record<string, number>;
  const last = Object.keys(vocab).find((t) => vocab[t] === 30521)!;
  await withConfig({ vocab_size: 1000 }, async (dir) => {
    await assert.rejects(loadModel(dir), {
      name: "ModelLoadError",
      message: `Cannot load model file ${dir}/config.json: the tokenizer's token ${
        JSON.stringify(last)
      } with id 30521 is outside the vocabulary: vocab_size is 1000, so ids run 0..999`,
    });
  });
});

Deno.test("pad_token_id is checked against vocab_size and against the embedding table's rows", async () => {
  await withConfig({ pad_token_id: 40000 }, async (dir) => {
    await assert.rejects(loadModel(dir), {
      message:
        `Cannot load model file ${dir}/config.json: pad_token_id 40000 is outside the vocabulary: vocab_size is 30522, so ids run 0..30521`,
    });
  });
  // config.json agrees with itself here; the graph's [30522, 16] table does not.
  await withConfig({ vocab_size: 40000, pad_token_id: 35000 }, async (dir) => {
    await assert.rejects(loadModel(dir), {
      message:
        `Cannot load model file ${dir}/onnx/model.onnx: pad_token_id 35000 is outside the vocabulary: the word-embedding table's row count is 30522, so ids run 0..30521`,
    });
  });
});

Deno.test("RoBERTa-family models take max_position_embeddings - pad_token_id - 1 tokens", async () => {
  // 128 positions, padding_idx 1: position ids 2..127, so 126 tokens.
  for (const model_type of ["roberta", "xlm-roberta", "camembert"]) {
    await withConfig({ model_type, pad_token_id: 1 }, async (dir) => {
      const model = await loadModel(dir);
      try {
        assert.equal(model.maxTokens, 126);
        // Each "a" is one token, with [CLS] and [SEP] around them.
        const atLimit = await predict(model, "a ".repeat(124));
        assert.equal(atLimit.predictions.length, 2);
        await assert.rejects(predict(model, "a ".repeat(125)), {
          name: "InputError",
          message:
            `Text is 127 tokens long, but model ${dir} takes at most 126 tokens (special tokens included); shorten the text`,
        });
      } finally {
        await model.release();
      }
    });
  }
  await withConfig({ model_type: "bert" }, async (dir) => {
    const model = await loadModel(dir);
    assert.equal(model.maxTokens, 128);
    await model.release();
  });
});
