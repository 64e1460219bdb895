/**
 * Graph file choice on copies of the test models laid out as Hugging Face repos ship them: a dtype
 * picks its suffix, a decoder-only repo is found without options, and a missing file's error says
 * what is there (exact messages).
 */
import assert from "node:assert/strict";
import { loadModel } from "./model.ts";
import { forwardLogits } from "./forward.ts";

const MODELS = new URL("../../../testdata/models/", import.meta.url);

/** Copies a test model's JSON files and its graph (under the given name) into a temp dir. */
async function layout(model: string, graph: string, as: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "glassbox-files-" });
  await Deno.mkdir(`${dir}/onnx`);
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
    await Deno.copyFile(new URL(`${model}/${f}`, MODELS), `${dir}/${f}`);
  }
  await Deno.copyFile(new URL(`${model}/onnx/${graph}`, MODELS), `${dir}/onnx/${as}`);
  return dir;
}

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("dtype q8 loads model_quantized.onnx; without a dtype the error lists the files and their dtype", async () => {
  const dir = await layout("distilbert-tiny-int8", "model_quantized.onnx", "model_quantized.onnx");
  try {
    const model = await loadModel(dir, { dtype: "q8" });
    try {
      assert.equal(model.onnxFile, "onnx/model_quantized.onnx");
      assert.equal(model.hash, await sha256(`${dir}/onnx/model_quantized.onnx`));
    } finally {
      await model.release();
    }
    await assert.rejects(loadModel(dir), {
      name: "ModelLoadError",
      message:
        `Cannot load model file ${dir}/onnx/model.onnx: file not found; ${dir}/onnx/ holds model_quantized.onnx (dtype q8)`,
    });
    await assert.rejects(loadModel(dir, { dtype: "fp16" }), {
      name: "ModelLoadError",
      message:
        `Cannot load model file ${dir}/onnx/model_fp16.onnx: file not found; ${dir}/onnx/ holds model_quantized.onnx (dtype q8)`,
    });
    await Deno.remove(`${dir}/onnx`, { recursive: true });
    await assert.rejects(loadModel(dir), {
      message:
        `Cannot load model file ${dir}/onnx/model.onnx: file not found; ${dir}/onnx/ does not exist`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a text-generation repo holding only decoder_model_merged.onnx loads it, with the plain model's logits", async () => {
  const dir = await layout("gpt2-tiny-opset14", "model.onnx", "decoder_model_merged.onnx");
  const merged = await loadModel(dir);
  const plain = await loadModel(new URL("gpt2-tiny-opset14/", MODELS));
  try {
    assert.equal(merged.onnxFile, "onnx/decoder_model_merged.onnx");
    const ids = [[10, 20, 30, 40]];
    const a = await forwardLogits(merged, ids), b = await forwardLogits(plain, ids);
    assert.deepEqual([...a.logits], [...b.logits]);
    await Deno.rename(`${dir}/onnx/decoder_model_merged.onnx`, `${dir}/onnx/weights.onnx`);
    await assert.rejects(loadModel(dir), {
      message:
        `Cannot load model file ${dir}/onnx/model.onnx: file not found (tried model.onnx, decoder_model_merged.onnx, decoder_model.onnx); ${dir}/onnx/ holds weights.onnx`,
    });
  } finally {
    await merged.release();
    await plain.release();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("over http the error names the files tried", async () => {
  const dir = await layout("gpt2-tiny-int8", "model_quantized.onnx", "model_quantized.onnx");
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    try {
      return new Response(await Deno.readFile(dir + new URL(req.url).pathname));
    } catch {
      return new Response("no", { status: 404 });
    }
  });
  const base = `http://127.0.0.1:${server.addr.port}/`;
  try {
    await assert.rejects(loadModel(base, { dtype: "fp16" }), {
      message:
        `Cannot load model file ${base}onnx/model_fp16.onnx: file not found (tried model_fp16.onnx, decoder_model_merged_fp16.onnx, decoder_model_fp16.onnx)`,
    });
    const model = await loadModel(base, { dtype: "q8" });
    assert.equal(model.onnxFile, "onnx/model_quantized.onnx");
    await model.release();
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dtype and variant: unknown values and both at once are refused", async () => {
  await assert.rejects(loadModel(new URL("gpt2-tiny-int8/", MODELS), { dtype: "int4" }), {
    name: "RangeError",
    message:
      `Cannot load model: dtype "int4" is not one of fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4`,
  });
  await assert.rejects(
    loadModel(new URL("gpt2-tiny-int8/", MODELS), { dtype: "q8", variant: "model_quantized" }),
    {
      name: "RangeError",
      message: `Cannot load model: give dtype ("q8") or variant ("model_quantized"), not both`,
    },
  );
});
