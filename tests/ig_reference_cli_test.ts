/**
 * The acceptance command, end to end: `explain --method integrated-gradients --steps 50
 * --integration gauss-legendre --baseline zero --output logit --target-id ID --format json` (and
 * gradient-x-input) returns per-token scores within 1e-3 relative L2 error of a float64 PyTorch
 * reference on the same weights, for classifier and causal-LM exports at opsets 14 and 17.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const FIXTURES = [
  "distilbert-tiny-opset14",
  "distilbert-tiny-opset17",
  "gpt2-tiny-opset14",
  "gpt2-tiny-opset17",
];

interface Reference {
  texts: {
    text: string;
    input_ids: number[];
    target_id: number;
    integrated_gradients_gl50: number[];
    gradient_x_input: number[];
  }[];
}

function relativeL2(actual: number[], expected: number[]): number {
  let num = 0, den = 0;
  expected.forEach((e, i) => {
    num += (actual[i] - e) ** 2;
    den += e * e;
  });
  return Math.sqrt(num / den);
}

async function explain(args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("apps/cli/main.ts", ROOT).pathname, ...args],
    env: { GLASSBOX_CACHE_DIR: "off" },
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

for (const name of FIXTURES) {
  Deno.test(`${name}: the CLI's integrated gradients and gradient x input match PyTorch`, async () => {
    const dir = new URL(`testdata/models/${name}/`, ROOT);
    const reference: Reference = JSON.parse(
      await Deno.readTextFile(new URL("reference.json", dir)),
    );
    const ref = reference.texts[0];
    const common = [
      "--model",
      dir.pathname,
      "--output",
      "logit",
      "--target-id",
      String(ref.target_id),
      "--format",
      "json",
    ];
    const ig = await explain([
      ...common,
      "--method",
      "integrated-gradients",
      "--steps",
      "50",
      "--integration",
      "gauss-legendre",
      "--baseline",
      "zero",
      ref.text,
    ]);
    assert.deepEqual(ig.tokens.map((t: { id: number }) => t.id), ref.input_ids);
    const igError = relativeL2(ig.scores, ref.integrated_gradients_gl50);
    assert.ok(igError < 1e-3, `integrated gradients: relative L2 error ${igError}`);
    const gxi = await explain([...common, "--method", "gradient-x-input", ref.text]);
    const gxiError = relativeL2(gxi.scores, ref.gradient_x_input);
    assert.ok(gxiError < 1e-3, `gradient x input: relative L2 error ${gxiError}`);
    console.log(
      `${name}: relative L2 error vs PyTorch: IG ${igError.toExponential(2)}, gradient x input ${
        gxiError.toExponential(2)
      }`,
    );
  });
}
