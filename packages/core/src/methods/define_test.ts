import assert from "node:assert/strict";
import { defineMethod, methodSet } from "./define.ts";
import { integratedGradients } from "./integrated_gradients.ts";
import { occlusion } from "./occlusion.ts";
import { attention } from "./attention.ts";
import { UnknownMethodError } from "../errors.ts";
import type { MethodSpec } from "./types.ts";

/** A cast of the params or of something read from them (see the cases below). */
const PARAMS_CAST = /\bparams(?:\??\.\w+|\[[^\]]*\])*\s*\)?\s+as\s+[\w{("'[]/;

/** Lines (1-based) of `source` that cast params, comments left out. */
function paramsCasts(source: string): number[] {
  return source.split("\n").flatMap((line, i) => {
    const trimmed = line.trim();
    if (trimmed.startsWith("*") || trimmed.startsWith("/*")) return [];
    return PARAMS_CAST.test(line.replace(/\/\/.*$/, "")) ? [i + 1] : [];
  });
}

Deno.test("the params-cast pattern catches casts and leaves typed reads alone", () => {
  const p = "params";
  for (
    const line of [
      `const steps = ctx.${p}.steps as number | "auto";`,
      `const sigma = (ctx.${p}.noise as number) * stddev(x);`,
      `const r = ctx.${p}["replacement"] as string;`,
      `const { a } = ctx.${p} as { a: number };`,
      `const k = ctx?.${p}?.topK as number;`,
    ]
  ) {
    assert.deepEqual(paramsCasts(line), [1], line);
  }
  for (
    const line of [
      `const { steps, tolerance } = ctx.${p};`,
      `const k = ctx.${p}.topK;`,
      `${p}: validateOptions(method, ${p}),`,
      `// the ${p} as validated`,
      ` * The ${p} as validateOptions fills them in.`,
    ]
  ) {
    assert.deepEqual(paramsCasts(line), [], line);
  }
});

Deno.test("no method file casts its params: defineMethod types them from the option specs", async () => {
  const dir = new URL("./", import.meta.url);
  const offences: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    const source = await Deno.readTextFile(new URL(entry.name, dir));
    for (const line of paramsCasts(source)) offences.push(`${entry.name}:${line}`);
  }
  assert.deepEqual(offences, []);
});

Deno.test("params types follow the option specs", () => {
  type ParamsOfMethod<M> = M extends MethodSpec<infer P> ? P : never;
  const ig: ParamsOfMethod<typeof integratedGradients> = {
    steps: "auto",
    integration: "riemann-left",
    baseline: "pad",
    batchSize: 8,
    tolerance: 0.01,
  };
  // @ts-expect-error steps takes a number or "auto", nothing else
  const badSteps: ParamsOfMethod<typeof integratedGradients> = { ...ig, steps: "many" };
  // @ts-expect-error the baseline must be one of the spec's values
  const badBaseline: ParamsOfMethod<typeof integratedGradients> = { ...ig, baseline: "blank" };
  // @ts-expect-error an option with a default is always present
  const missing: ParamsOfMethod<typeof occlusion> = { replacement: "remove" };
  // Options without a default are optional.
  const none: ParamsOfMethod<typeof attention> = {};
  // @ts-expect-error and typed when present
  const badLayer: ParamsOfMethod<typeof attention> = { layer: "last" };
  assert.ok([ig, badSteps, badBaseline, missing, none, badLayer]);
});

Deno.test("defineMethod returns the spec as written", () => {
  const spec = {
    id: "toy",
    kind: "perturbation",
    description: "A toy.",
    options: [],
    needs: {},
    run: () => Promise.resolve({ scores: [] }),
  } as const;
  assert.equal(defineMethod(spec), spec);
});

Deno.test("a method set looks methods up by id and lists only its own in errors", () => {
  const set = methodSet([occlusion, attention]);
  assert.deepEqual(set.ids, ["occlusion", "attention"]);
  assert.equal(set.get("attention"), attention);
  for (const id of ["integrated-gradients", "toString", "__proto__"]) {
    assert.throws(() => set.get(id), (e: unknown) => {
      assert.ok(e instanceof UnknownMethodError);
      assert.equal(e.message, `Unknown method "${id}": known methods are occlusion, attention`);
      return true;
    });
  }
  assert.throws(() => methodSet([occlusion, integratedGradients, occlusion]), {
    name: "TypeError",
    message: "Method occlusion is listed twice",
  });
});
