import assert from "node:assert/strict";
import { loadModel } from "./model.ts";
import { ModelLoadError } from "./errors.ts";
import { predict } from "./predict.ts";
import { forwardLogits } from "./forward.ts";
import { bundledModelBase } from "./bundled.ts";

const sentimentDir = bundledModelBase("distilbert-sentiment");

async function copyModel(edit: (dir: string) => Promise<void> | void): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "glassbox-model-" });
  await Deno.mkdir(`${dir}/onnx`);
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]) {
    await Deno.copyFile(new URL(f, sentimentDir), `${dir}/${f}`);
  }
  await edit(dir);
  return dir;
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number, what: string) {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tolerance, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

// Probabilities and entropy against PyTorch's logits: forward_test.ts.
Deno.test("bundled models load with their task, labels and limits", async () => {
  const sentiment = await loadModel("distilbert-sentiment");
  const gpt2 = await loadModel("gpt2-tiny");
  try {
    assert.equal(sentiment.task, "text-classification");
    assert.deepEqual(sentiment.labels, ["NEGATIVE", "POSITIVE"]);
    assert.equal(gpt2.task, "text-generation");
    assert.equal(gpt2.architecture, "GPT2LMHeadModel");
    assert.ok(
      gpt2.session.inputs.some((i) => i.name === "position_ids"),
      "gpt2-tiny declares position_ids",
    );
  } finally {
    await sentiment.release();
    await gpt2.release();
  }
});

Deno.test("padded batches give the same logits as one row at a time (mask and positions fed right)", async () => {
  for (const name of ["distilbert-sentiment", "gpt2-tiny"]) {
    const model = await loadModel(name);
    try {
      const rows = [
        "A short one",
        "A much longer sentence that needs more tokens than the first",
        "Hi",
      ].map((t) => model.tokenizer.encode(t).ids);
      const batched = await forwardLogits(model, rows);
      for (const [i, row] of rows.entries()) {
        const single = await forwardLogits(model, [row]);
        close(
          batched.logits.subarray(i * batched.vocab, (i + 1) * batched.vocab),
          single.logits,
          1e-4,
          `${name} row ${i}`,
        );
      }
    } finally {
      await model.release();
    }
  }
});

Deno.test("a model loads from an http(s) URL base exactly as from its directory", async () => {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname.replace(/^\/m\//, "");
    try {
      return new Response(await Deno.readFile(new URL(path, sentimentDir)));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const remote = await loadModel(`http://127.0.0.1:${server.addr.port}/m/`);
  const local = await loadModel(sentimentDir);
  try {
    assert.equal(remote.hash, local.hash);
    const text = "The service was terrible and slow";
    const [r, l] = [await predict(remote, text), await predict(local, text)];
    close(r.predictions.map((p) => p.logit), l.predictions.map((p) => p.logit), 1e-6, "logits");
    await assert.rejects(loadModel(`http://127.0.0.1:${server.addr.port}/missing/`), {
      name: "ModelLoadError",
      message:
        `Cannot load model file http://127.0.0.1:${server.addr.port}/missing/config.json: file not found (HTTP 404)`,
    });
  } finally {
    await remote.release();
    await local.release();
    await server.shutdown();
  }
});

Deno.test("onnxruntime-node gives the same logits as onnxruntime-web", async () => {
  const web = await loadModel("gpt2-tiny");
  const native = await loadModel("gpt2-tiny", { backend: "node" });
  try {
    const ids = web.tokenizer.encode("The meaning of the word is").ids;
    close(
      (await forwardLogits(native, [ids])).logits,
      (await forwardLogits(web, [ids])).logits,
      1e-4,
      "logits",
    );
  } finally {
    await web.release();
    await native.release();
  }
});

Deno.test("load errors name the file and the cause", async () => {
  const cwd = Deno.cwd();
  await assert.rejects(loadModel("no/such/model"), {
    name: "ModelLoadError",
    message: `Cannot load model file ${cwd}/no/such/model/config.json: file not found`,
  });
  const noTokenizer = await copyModel((d) => Deno.remove(`${d}/tokenizer.json`));
  await assert.rejects(loadModel(noTokenizer), {
    message: `Cannot load model file ${noTokenizer}/tokenizer.json: file not found`,
  });
  const corrupt = await copyModel((d) =>
    Deno.writeFile(`${d}/onnx/model.onnx`, new Uint8Array(4096).fill(7))
  );
  await assert.rejects(loadModel(corrupt), (e: unknown) => {
    assert.ok(e instanceof ModelLoadError);
    assert.match(
      e.message,
      new RegExp(`^Cannot load model file ${corrupt}/onnx/model.onnx: onnxruntime cannot load it`),
    );
    return true;
  });
  const badJson = await copyModel((d) => Deno.writeTextFile(`${d}/config.json`, "{ nope"));
  await assert.rejects(loadModel(badJson), (e: unknown) => {
    assert.ok(e instanceof ModelLoadError);
    assert.match(
      e.message,
      new RegExp(`^Cannot load model file ${badJson}/config.json: not valid JSON`),
    );
    return true;
  });
  const seq2seq = await copyModel((d) =>
    Deno.writeTextFile(`${d}/config.json`, '{"architectures":["T5ForConditionalGeneration"]}')
  );
  await assert.rejects(loadModel(seq2seq), {
    message:
      `Cannot load model file ${seq2seq}/config.json: architecture T5ForConditionalGeneration is not supported: ` +
      "use a *ForSequenceClassification or a *LMHeadModel / *ForCausalLM model",
  });
  await assert.rejects(loadModel(sentimentDir, { variant: "model_quantized" }), {
    message: `Cannot load model file ${
      decodeURIComponent(sentimentDir.pathname)
    }onnx/model_quantized.onnx: file not found; ${
      decodeURIComponent(sentimentDir.pathname)
    }onnx/ holds model.onnx (dtype fp32)`,
  });
  for (const dir of [noTokenizer, corrupt, badJson, seq2seq]) {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("causal LMs: the head at each row's position gives the full graph's logits there", async () => {
  const { positionHeadSession } = await import("./internals/position_head.ts");
  const { feedsFor } = await import("./feeds.ts");
  const model = await loadModel("gpt2-tiny");
  try {
    assert.ok(await positionHeadSession(model), "gpt2-tiny gets the position-head graph");
    const rows = ["The cat sat on the", "A longer sentence for the head to read today"].map((t) =>
      model.tokenizer.encode(t).ids
    );
    const fast = await forwardLogits(model, rows);
    const full = await model.session.run(feedsFor(model, rows), ["logits"]);
    const [, length, vocab] = full.logits.dims;
    rows.forEach((row, b) => {
      const from = (b * length + row.length - 1) * vocab;
      close(
        fast.logits.subarray(b * vocab, (b + 1) * vocab),
        (full.logits.data as Float32Array).subarray(from, from + vocab),
        1e-4,
        `row ${b}`,
      );
    });
  } finally {
    await model.release();
  }
});

// This export's logits do not depend on its input (see gradients/runner_test.ts); logits of an
// opset-11 export against PyTorch: distilbert-tiny-opset11 in forward_test.ts.
Deno.test("the real Optimum export (opset 11) loads and predicts what onnxruntime computes on it directly", async () => {
  const dir = new URL("../../../testdata/models/optimum-tiny-distilbert/", import.meta.url);
  const model = await loadModel(dir);
  try {
    assert.deepEqual(model.session.inputs.map((i) => i.name), ["input_ids", "attention_mask"]);
    const result = await predict(model, "this", { topK: 2 });
    assert.deepEqual(result.tokens.map((t) => t.id), [101, 2023, 102]);
    const ort = await import("onnxruntime-web");
    const session = await ort.InferenceSession.create(
      await Deno.readFile(new URL("onnx/model.onnx", dir)),
    );
    const ids = new ort.Tensor("int64", BigInt64Array.from([101n, 2023n, 102n]), [1, 3]);
    const mask = new ort.Tensor("int64", BigInt64Array.from([1n, 1n, 1n]), [1, 3]);
    const logits = (await session.run({ input_ids: ids, attention_mask: mask })).logits
      .data as Float32Array;
    for (const p of result.predictions) assert.equal(p.logit, logits[p.id]);
    await session.release();
  } finally {
    await model.release();
  }
});

Deno.test("releasing a model twice is harmless", async () => {
  const model = await loadModel("distilbert-sentiment");
  await model.release();
  await model.release();
  await model.session.release();
});

Deno.test("a graph with its weights in an external data file loads (and the gradient graph finds them)", async () => {
  const { OnnxGraph } = await import("./onnx/graph.ts");
  const { explain } = await import("./explain.ts");
  const source = new URL("../../../testdata/models/distilbert-tiny-opset14/", import.meta.url);
  const graph = OnnxGraph.parse(await Deno.readFile(new URL("onnx/model.onnx", source)));
  // Move every large initializer into model.onnx.data, as exporters do for models over 2 GB.
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of graph.model.graph!.initializer!) {
    if (!t.raw_data || t.raw_data.length < 1024) continue;
    chunks.push(t.raw_data.slice());
    t.external_data = [
      { key: "location", value: "model.onnx.data" },
      { key: "offset", value: String(offset) },
      { key: "length", value: String(t.raw_data.length) },
    ];
    t.data_location = 1;
    offset += t.raw_data.length;
    delete t.raw_data;
  }
  assert.ok(chunks.length > 3, "the fixture has large initializers");
  const dir = await copyModel(() => {});
  await Deno.writeFile(`${dir}/onnx/model.onnx`, graph.serialize());
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) data.set(c, at), at += c.length;
  await Deno.writeFile(`${dir}/onnx/model.onnx.data`, data);
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
    await Deno.copyFile(new URL(f, source), `${dir}/${f}`);
  }
  const external = await loadModel(dir);
  const inline = await loadModel(source);
  try {
    assert.deepEqual(external.externalData.map((e) => [e.path, e.data.length]), [[
      "model.onnx.data",
      offset,
    ]]);
    const text = "weights from another file";
    const [a, b] = [await predict(external, text), await predict(inline, text)];
    close(a.predictions.map((p) => p.logit), b.predictions.map((p) => p.logit), 1e-6, "logits");
    const [ga, gb] = [
      await explain(external, text, { method: "gradient-x-input" }),
      await explain(inline, text, { method: "gradient-x-input" }),
    ];
    close(ga.scores, gb.scores, 1e-6, "gradient x input");
    await Deno.remove(`${dir}/onnx/model.onnx.data`);
    await assert.rejects(loadModel(dir), {
      message: `Cannot load model file ${dir}/onnx/model.onnx.data: file not found`,
    });
  } finally {
    await external.release();
    await inline.release();
    await Deno.remove(dir, { recursive: true });
  }
});
