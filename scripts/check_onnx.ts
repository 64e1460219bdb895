/**
 * Checks an exported model directory against PyTorch: the tokenizer gives the ids the Python side
 * expected, and onnxruntime-web's logits match torch's within a tolerance, one text at a time and
 * again as one right-padded batch (which exercises the attention mask). Called by train_models.py
 * and make_fixtures.py after export; exits 1 on any mismatch.
 *
 * Usage: `npx deno run -A scripts/check_onnx.ts MODEL_DIR CHECK_JSON [TOLERANCE=1e-4]`
 * CHECK_JSON: `{ "cases": [{ "text", "input_ids", "logits_offset" }], "logits_bin", "pad_id" }`, where
 * logits_bin holds little-endian float64 logits per case ([labels] or [sequence, vocab]).
 */
import * as ort from "onnxruntime-web";
import { Tokenizer } from "@huggingface/tokenizers";

type Case = { text: string; input_ids: number[]; logits_offset: number };
const [dir, checkPath, tolArg] = Deno.args;
if (!dir || !checkPath) {
  console.error("usage: check_onnx.ts MODEL_DIR CHECK_JSON [TOLERANCE]");
  Deno.exit(2);
}
const tolerance = Number(tolArg ?? "1e-4");
const readJson = async (path: string) => JSON.parse(await Deno.readTextFile(path));
const check = await readJson(checkPath);
const config = await readJson(`${dir}/config.json`);
const tokenizer = new Tokenizer(
  await readJson(`${dir}/tokenizer.json`),
  await readJson(`${dir}/tokenizer_config.json`),
);
const expected = new Float64Array((await Deno.readFile(check.logits_bin)).buffer);
const causal = config.model_type === "gpt2";
const width = causal ? config.vocab_size : Object.keys(config.id2label).length;

ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create(await Deno.readFile(`${dir}/onnx/model.onnx`));

const failures: string[] = [];
const cases: Case[] = check.cases;
for (const c of cases) {
  const ids = tokenizer.encode(c.text).ids;
  if (JSON.stringify(ids) !== JSON.stringify(c.input_ids)) {
    failures.push(`ids of ${JSON.stringify(c.text)}: ${ids} != ${c.input_ids}`);
  }
}

/** Runs a right-padded batch and compares every row's valid logits with torch's. */
async function compare(batch: Case[], label: string): Promise<number> {
  const t = Math.max(...batch.map((c) => c.input_ids.length));
  const n = batch.length;
  const ids = new BigInt64Array(n * t).fill(BigInt(check.pad_id));
  const mask = new BigInt64Array(n * t);
  const pos = new BigInt64Array(n * t);
  batch.forEach((c, b) =>
    c.input_ids.forEach((id, i) => {
      ids[b * t + i] = BigInt(id);
      mask[b * t + i] = 1n;
      pos[b * t + i] = BigInt(i);
    })
  );
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", ids, [n, t]),
    attention_mask: new ort.Tensor("int64", mask, [n, t]),
  };
  if (session.inputNames.includes("position_ids")) {
    feeds.position_ids = new ort.Tensor("int64", pos, [n, t]);
  }
  const out = (await session.run(feeds)).logits.data as Float32Array;
  let worst = 0;
  batch.forEach((c, b) => {
    const rows = causal ? c.input_ids.length : 1;
    const stride = causal ? t * width : width;
    for (let i = 0; i < rows * width; i++) {
      worst = Math.max(worst, Math.abs(out[b * stride + i] - expected[c.logits_offset + i]));
    }
  });
  if (!(worst <= tolerance)) failures.push(`${label}: max |logit diff| ${worst} > ${tolerance}`);
  return worst;
}

const report: Record<string, number> = {};
for (const [i, c] of cases.entries()) report[`single ${i}`] = await compare([c], `single ${i}`);
report["right-padded batch"] = await compare(cases, "right-padded batch");
console.log(
  JSON.stringify({ dir, inputs: session.inputNames, outputs: session.outputNames, report }),
);
if (failures.length) {
  console.error(failures.join("\n"));
  Deno.exit(1);
}
