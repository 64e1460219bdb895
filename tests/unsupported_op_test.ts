/**
 * A model the gradient builder cannot differentiate: the DistilBERT fixture with its GELUs fused into
 * onnxruntime's `com.microsoft` Gelu op, as optimized exports have them. Gradient methods must refuse
 * with an UnsupportedOpError naming the op and node (exit code 2 in the CLI); perturbation methods
 * must still work, with the same scores as on the unfused model.
 */
import assert from "node:assert/strict";
import { explain, loadModel, OnnxGraph, UnsupportedOpError } from "@glassbox/core";

const ROOT = new URL("../", import.meta.url);
const SOURCE = new URL("testdata/models/distilbert-tiny-opset14/", ROOT);

/** Writes the fused copy of the fixture to a temp directory. */
async function fusedModel(): Promise<string> {
  const graph = OnnxGraph.parse(await Deno.readFile(new URL("onnx/model.onnx", SOURCE)));
  graph.model.opset_import!.push({ domain: "com.microsoft", version: 1 });
  const down = graph.findNodes((n) => {
    const dims = graph.initializer(n.input![1] ?? "")?.dims?.map(Number) ?? [];
    return n.op_type === "MatMul" && dims.length === 2 && dims[0] > dims[1];
  });
  const erfs = graph.findNodes((n) => n.op_type === "Erf");
  assert.equal(erfs.length, down.length, "one GELU per MLP");
  erfs.forEach((erf, i) => {
    const x = graph.producer(erf.input![0])!.input![0]; // Erf(x / sqrt 2)
    const [gelu] = graph.addNode("Gelu", [x], 1, {}, {
      domain: "com.microsoft",
      name: `fused_gelu_${i}`,
    });
    down[i].input![0] = gelu;
  });
  graph.invalidate();
  graph.sort();
  graph.prune();
  const dir = await Deno.makeTempDir({ prefix: "glassbox-fused-" });
  await Deno.mkdir(`${dir}/onnx`);
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
    await Deno.copyFile(new URL(f, SOURCE), `${dir}/${f}`);
  }
  await Deno.writeFile(`${dir}/onnx/model.onnx`, graph.serialize());
  return dir;
}

Deno.test("a fused com.microsoft op: gradient methods refuse clearly, perturbation methods still work", async () => {
  const dir = await fusedModel();
  const fused = await loadModel(dir);
  const plain = await loadModel(SOURCE);
  const text = "a fine and sunny day";
  try {
    for (const method of ["integrated-gradients", "saliency"]) {
      await assert.rejects(explain(fused, text, { method }), (e: unknown) => {
        assert.ok(e instanceof UnsupportedOpError);
        assert.equal(e.opType, "Gelu");
        assert.match(
          e.message,
          /^Cannot differentiate op Gelu \(node "fused_gelu_\d"\): .*perturbation methods still work$/,
        );
        return true;
      });
    }
    for (const method of ["occlusion", "kernel-shap"]) {
      const a = await explain(fused, text, { method });
      const b = await explain(plain, text, { method });
      a.scores.forEach((s, i) =>
        assert.ok(Math.abs(s - b.scores[i]) < 1e-5, `${method} token ${i}: ${s} vs ${b.scores[i]}`)
      );
    }
    const cli = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("apps/cli/main.ts", ROOT).pathname,
        "--model",
        dir,
        "--method",
        "integrated-gradients",
        text,
      ],
      env: { GLASSBOX_CACHE_DIR: "off" },
    }).output();
    assert.equal(cli.code, 2);
    assert.match(new TextDecoder().decode(cli.stderr), /^explain: Cannot differentiate op Gelu/m);
  } finally {
    await fused.release();
    await plain.release();
    await Deno.remove(dir, { recursive: true });
  }
});
