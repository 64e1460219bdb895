/**
 * Test support for the gradient methods: loads a tiny test model with its PyTorch reference and
 * builds the MethodContext that `explain()` would hand a method, so each method is tested on its own.
 *
 * @module
 */
import type { OutputKind } from "../explanation.ts";
import { loadModel, type Model } from "../model.ts";
import { validateOptions } from "../options.ts";
import type { MethodContext, MethodSpec } from "./types.ts";
import { AbortError } from "../errors.ts";
import { gradientRunner } from "../gradients/runner.ts";

/** The tiny exports of scripts/make_fixtures.py. */
export const TEST_MODELS = [
  "distilbert-tiny-opset14",
  "distilbert-tiny-opset17",
  "gpt2-tiny-opset14",
  "gpt2-tiny-opset17",
] as const;

/** One text of a reference.json. */
export interface ReferenceText {
  text: string;
  input_ids: number[];
  position: number;
  target_id: number;
  contrast_id: number;
  [key: string]: unknown;
}

const models = new Map<string, Promise<Model>>();

/** Loads a test model once per test file (release with {@link releaseTestModels}). */
export function testModel(name: string): Promise<Model> {
  let model = models.get(name);
  if (!model) {
    model = loadModel(new URL(`../../../../testdata/models/${name}/`, import.meta.url));
    models.set(name, model);
  }
  return model;
}

/** Releases every model {@link testModel} loaded. */
export async function releaseTestModels(): Promise<void> {
  for (const model of models.values()) await (await model).release();
  models.clear();
}

/** The texts of a test model's reference.json. */
export async function referenceTexts(name: string): Promise<ReferenceText[]> {
  const url = new URL(`../../../../testdata/models/${name}/reference.json`, import.meta.url);
  return (JSON.parse(await Deno.readTextFile(url)) as { texts: ReferenceText[] }).texts;
}

/** A method context for `ids`, as explain() builds it. */
export function methodContext<P>(
  model: Model,
  method: MethodSpec<P>,
  text: ReferenceText,
  options: {
    output?: OutputKind;
    contrast?: boolean;
    params?: Record<string, unknown>;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
  } = {},
): MethodContext<P> {
  return {
    model,
    ids: text.input_ids,
    tokens: text.input_ids.map((id) => ({
      id,
      text: "",
      start: 0,
      end: 0,
      special: model.tokenizer.isSpecial(id),
    })),
    objective: {
      targetId: text.target_id,
      contrastId: options.contrast ? text.contrast_id : undefined,
      output: options.output ?? "logit",
      position: text.position,
    },
    params: validateOptions(method, options.params ?? {}),
    signal: options.signal,
    progress(done, total) {
      if (options.signal?.aborted) throw new AbortError();
      options.onProgress?.(done, total);
    },
    score() {
      throw new Error("gradient methods do not score perturbed inputs");
    },
    counters: { forward: 0, backward: 0 },
  };
}

/** ||a - b|| / ||b||. */
export function relativeL2(actual: readonly number[], expected: readonly number[]): number {
  let err = 0, norm = 0;
  expected.forEach((e, i) => {
    err += (actual[i] - e) ** 2;
    norm += e * e;
  });
  return Math.sqrt(err / norm);
}

/** The word embeddings of a text's ids and the logit gradient at one embedding sequence [n, hidden]. */
export async function logitGradient(
  model: Model,
  text: ReferenceText,
): Promise<{ x: Float32Array; hidden: number; at(embeds: Float32Array): Promise<Float32Array> }> {
  const runner = await gradientRunner(model, "logit");
  const { input_ids: ids, target_id: targetId, position } = text;
  return {
    x: runner.embed(ids),
    hidden: runner.hidden,
    at: async (embeds) =>
      (await runner.run({ embeds, rows: 1, ids, targetId, position })).grads.slice(),
  };
}

/** Standard deviation over every value (population), written out for the noise-size checks. */
export function populationStd(x: Float32Array): number {
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  return Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length);
}
