/**
 * Sanity checks for attribution methods (Adebayo et al. 2018, model parameter randomization test): an
 * explanation that does not change when the model's learned weights are replaced by random ones cannot
 * be explaining the model. The weights are randomized in cascade, from the top of the network down:
 * the head first, then each layer from the last to the first, then the embeddings, each step keeping the
 * earlier ones randomized. At each step the method explains the same text and target on the randomized
 * model, and the Spearman rank correlation with the original attribution is reported (the mean over a
 * few independent randomizations, since one random network can rank a dozen tokens alike by chance).
 *
 * Randomizing rewrites graph initializers: each float tensor of a step is replaced by Gaussian values
 * with the tensor's own mean and standard deviation (floored at 0.02, so constant tensors such as
 * LayerNorm scales change too), from a seeded generator. Scalars are left alone (they are constants
 * such as sqrt(d) or epsilon, not learned weights).
 *
 * Layers are found from the names that Hugging Face exports give nodes and initializers (`layer.3`,
 * `h.3`, `layers.3`, `block.3`); what comes before the first layer in graph order is the embeddings,
 * what comes after the last is the head. In a graph without such names, the weights read by a Gather
 * on a graph input are the embeddings and every other weight is a step of its own, top down.
 *
 * The verdict is taken at the last step that keeps the word embeddings, with every weight above them
 * random: a method that reads only the embeddings (the embedding-norm strawman) changes only at the very
 * last step, and would otherwise pass.
 *
 * @see Adebayo et al., "Sanity Checks for Saliency Maps", NeurIPS 2018.
 * @module
 */
import {
  createSession,
  DataType,
  explain,
  makeTensor,
  type Model,
  type ModelSession,
  OnnxGraph,
  readTensor,
} from "@glassbox/core";
import type { TensorProto } from "@glassbox/core/onnx/proto";
import { spearman } from "./agreement.ts";

/** A group of initializers randomized together: the head, one layer, or the embeddings. */
export interface LayerGroup {
  name: string;
  initializers: string[];
  /** Number of weights in the group. */
  parameters: number;
}

const LAYER = /(?:^|[/.])(?:layers?|h|blocks?)[._/](\d+)(?=[/._]|$)/;

/**
 * Groups a model's float initializers by layer, in cascade order (top first): head, layer L-1, ...,
 * layer 0, embeddings. Groups with no initializer are left out. Without layer names: each weight in
 * reverse graph order, then the embeddings.
 *
 * @param graph The parsed graph.
 */
export function layerGroups(graph: OnnxGraph): LayerGroup[] {
  const nodes = graph.nodes;
  const firstUse = new Map<string, number>();
  nodes.forEach((node, i) => {
    for (const input of node.input ?? []) if (!firstUse.has(input)) firstUse.set(input, i);
  });
  const layerOfNode = nodes.map((n) => {
    const m = LAYER.exec(n.name ?? "");
    return m ? Number(m[1]) : undefined;
  });
  const layered = layerOfNode.flatMap((l, i) => (l === undefined ? [] : [i]));
  const inputs = new Set(graph.inputs.map((v) => v.name));
  const isEmbedding = (name: string) =>
    graph.consumers(name).some((n) => n.op_type === "Gather" && inputs.has(n.input?.[1] ?? ""));
  const groups = new Map<string, LayerGroup & { order: number }>();
  for (const t of graph.model.graph!.initializer!) {
    const size = (t.dims ?? []).reduce<number>((a, b) => a * Number(b), 1);
    if (t.data_type !== DataType.FLOAT || size < 2) continue;
    const use = firstUse.get(t.name!);
    if (use === undefined) continue;
    const byName = LAYER.exec(t.name ?? "");
    const layer = byName ? Number(byName[1]) : layerOfNode[use];
    let name: string, order: number;
    if (layer !== undefined) [name, order] = [`layer ${layer}`, layer];
    else if (layered.length === 0) {
      // No layer names (a hand-made or renamed graph): the embedding lookups are the bottom, every
      // other weight is a step of its own, in graph order.
      [name, order] = isEmbedding(t.name!) ? ["embeddings", -1] : [t.name!, use];
    } else if (use < layered[0]) [name, order] = ["embeddings", -1];
    else [name, order] = ["head", Infinity];
    const group = groups.get(name) ?? { name, initializers: [], parameters: 0, order };
    group.initializers.push(t.name!);
    group.parameters += size;
    groups.set(name, group);
  }
  return [...groups.values()].sort((a, b) => b.order - a.order).map(({ order: _, ...g }) => g);
}

/** mulberry32 with Box-Muller: a seeded standard normal generator. */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A random tensor with the mean and standard deviation of `t`. */
function randomLike(
  t: TensorProto,
  external: Model["externalData"],
  next: () => number,
): TensorProto {
  const values = readTensor(t, external) as Float32Array;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  const std = Math.max(Math.sqrt(variance / values.length), 0.02);
  const out = new Float32Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = mean + std * next();
  return makeTensor(t.name!, out, (t.dims ?? []).map(Number));
}

/** A model whose graph is `bytes`, sharing everything else with `model`; release it after use. */
async function variantOf(model: Model, bytes: Uint8Array, tag: string): Promise<Model> {
  const sessions: ModelSession[] = [];
  const make = async (b: Uint8Array, data = model.externalData) => {
    const s = await createSession(b, { backend: model.backend, externalData: data });
    sessions.push(s);
    return s;
  };
  const variant: Model = {
    ...model,
    onnx: bytes,
    hash: `${model.hash}:${tag}`,
    session: await make(bytes),
    createSession: make,
    derived: new Map(),
    cacheDir: undefined,
    async release() {
      await Promise.all(sessions.map((s) => s.release()));
    },
  };
  return variant;
}

/** One step of the cascade. */
export interface SanityStep {
  /** The groups random at this step (cumulative), the newest last. */
  randomized: string[];
  /** Weights random at this step. */
  parameters: number;
  /**
   * Rank correlation of the original and randomized scores (non-special tokens), the mean over the
   * repeats; NaN if the scores are constant.
   */
  spearman: number;
  /** Spearman of each repeat. */
  spearmanRuns: number[];
  /** The same on |scores|, as Adebayo et al. also report. */
  spearmanAbs: number;
  /** Largest change of any token's score, over the repeats. */
  maxChange: number;
}

/** What {@link cascadingRandomization} returns. */
export interface SanityReport {
  steps: SanityStep[];
  /** Index into `steps` of the verdict step (every weight above the word embeddings random). */
  verdictStep: number;
  threshold: number;
  /** True when the attribution changed: Spearman at the verdict step below the threshold. */
  passed: boolean;
  /** One sentence saying why it passed or failed. */
  reason: string;
}

/** Options for {@link cascadingRandomization}. */
export interface RandomizationOptions {
  /** Spearman at the verdict step must be below this to pass. @default 0.5 */
  threshold?: number;
  /** Seed of the random weights of the first repeat (the next ones use seed + 1, ...). @default 0 */
  seed?: number;
  /**
   * Independent randomizations, averaged: with a dozen tokens one random network can rank them alike
   * by chance (Spearman 0.6 happens). @default 3
   */
  repeats?: number;
  /** Tokens to compare (default: every token); pass the non-special ones. */
  keep?: readonly number[];
}

/**
 * Runs the cascading randomization test with any attribution function.
 *
 * @param model The trained model.
 * @param attribute Computes one score per token on a model (the original or a randomized one).
 * @param options Threshold, seed, which tokens to compare.
 * @returns One step per layer group, and the verdict.
 * @throws RangeError when the graph has no float weights to randomize.
 */
export async function cascadingRandomization(
  model: Model,
  attribute: (model: Model) => Promise<readonly number[]>,
  options: RandomizationOptions = {},
): Promise<SanityReport> {
  const threshold = options.threshold ?? 0.5;
  const graph = OnnxGraph.parse(model.onnx);
  const groups = layerGroups(graph);
  if (groups.length === 0) {
    throw new RangeError(
      `Cannot run the sanity check on ${model.id}: its graph has no float weights to randomize`,
    );
  }
  const original = await attribute(model);
  const keep = options.keep ?? original.map((_, i) => i);
  const pick = (s: readonly number[]) => keep.map((i) => s[i]);
  const repeats = options.repeats ?? 3;
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new RangeError(
      `Cannot run the sanity check: "repeats" must be an integer >= 1, current value is ${repeats}`,
    );
  }
  const runs: { spearman: number; spearmanAbs: number; maxChange: number }[][] = groups.map(
    () => [],
  );
  for (let r = 0; r < repeats; r++) {
    // Each repeat starts again from the trained weights and randomizes with its own seed.
    const copy = r === 0 ? graph : OnnxGraph.parse(model.onnx);
    const initializers = copy.model.graph!.initializer!;
    const next = gaussian((options.seed ?? 0) + r);
    for (const [g, group] of groups.entries()) {
      const names = new Set(group.initializers);
      for (let i = 0; i < initializers.length; i++) {
        if (names.has(initializers[i].name!)) {
          initializers[i] = randomLike(initializers[i], model.externalData, next);
        }
      }
      const variant = await variantOf(model, copy.serialize(), `randomized:${r}:${g}`);
      try {
        const a = pick(original), b = pick(await attribute(variant));
        runs[g].push({
          spearman: spearman(a, b),
          spearmanAbs: spearman(a.map(Math.abs), b.map(Math.abs)),
          maxChange: Math.max(0, ...a.map((x, i) => Math.abs(x - b[i]))),
        });
      } finally {
        await variant.release();
      }
    }
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  let parameters = 0;
  const steps: SanityStep[] = groups.map((group, g) => ({
    randomized: groups.slice(0, g + 1).map((x) => x.name),
    parameters: parameters += group.parameters,
    spearman: mean(runs[g].map((x) => x.spearman)),
    spearmanAbs: mean(runs[g].map((x) => x.spearmanAbs)),
    spearmanRuns: runs[g].map((x) => x.spearman),
    maxChange: Math.max(...runs[g].map((x) => x.maxChange)),
  }));
  const last = groups.length - 1;
  const verdictStep = groups[last].name === "embeddings" && last > 0 ? last - 1 : last;
  const step = steps[verdictStep];
  const unchanged = step.maxChange === 0 ||
    (Number.isNaN(step.spearman) && step.maxChange < 1e-6);
  const passed = !unchanged && !(step.spearman >= threshold);
  const where = `with ${step.randomized.join(", ")} randomized`;
  const reason = unchanged
    ? `the attribution did not change ${where}`
    : passed
    ? `the attribution changed ${where}: Spearman ${fmt(step.spearman)} < ${threshold}`
    : `the attribution barely changed ${where}: Spearman ${fmt(step.spearman)} >= ${threshold}`;
  return { steps, verdictStep, threshold, passed, reason };
}

const fmt = (x: number) => (Number.isNaN(x) ? "NaN (constant scores)" : x.toFixed(3));

/** Options for {@link sanityCheck}. */
export interface SanityOptions extends RandomizationOptions {
  /** Method id. @default "occlusion" */
  method?: string;
  /** Method options. */
  params?: Record<string, unknown>;
  /** Explain this target (default: the trained model's top prediction, kept for every step). */
  targetId?: number;
}

/**
 * The sanity check of a registered method on one text: cascading randomization with `explain()`.
 *
 * @param model The trained model.
 * @param text The text to explain.
 * @param options Method, its options, target, threshold, seed.
 *
 * @example Does occlusion depend on the weights?
 * ```ts ignore
 * import { loadModel } from "@glassbox/core";
 * import { sanityCheck } from "@glassbox/eval";
 * const model = await loadModel("distilbert-sentiment");
 * const report = await sanityCheck(model, "a wonderful, moving film", { method: "occlusion" });
 * console.log(report.passed, report.reason);
 * ```
 */
export async function sanityCheck(
  model: Model,
  text: string,
  options: SanityOptions = {},
): Promise<SanityReport & { method: string }> {
  const method = options.method ?? "occlusion";
  const first = await explain(model, text, {
    method,
    params: options.params,
    targetId: options.targetId,
  });
  const keep = first.tokens.flatMap((t, i) => (t.special ? [] : [i]));
  const report = await cascadingRandomization(
    model,
    async (m) =>
      m === model ? first.scores : (await explain(m, text, {
        method,
        params: options.params,
        targetId: first.target.id,
      })).scores,
    { ...options, keep },
  );
  return { method, ...report };
}
