/**
 * The explain engine over an injected set of methods: text in, Explanation out. Resolves the target
 * and contrast, validates the method's options, runs the method with progress and cancellation, and
 * assembles the Explanation JSON. It imports no method itself: `explain.ts` builds the usual
 * `explain()` over every registered method, and an app that needs only some builds its own with
 * {@link createExplainer}, so a bundler leaves the other methods (and the gradient builder they
 * pull in) out.
 *
 * @example An explainer with perturbation methods only
 * ```ts ignore
 * import { createExplainer } from "./explainer.ts";
 * import { occlusion } from "./methods/occlusion.ts";
 * const { explain } = createExplainer([occlusion]);
 * const explanation = await explain(model, "What a wonderful day", { method: "occlusion" });
 * ```
 *
 * @module
 */
import { type Explanation, type OutputKind, SCHEMA_VERSION } from "./explanation.ts";
import type { Model } from "./model.ts";
import { AbortError, InputError } from "./errors.ts";
import { forwardLogits } from "./forward.ts";
import { modelRowCoupling } from "./coupling.ts";
import { type MethodSet, methodSet } from "./methods/define.ts";
import type { MethodContext, MethodSpec } from "./methods/types.ts";
import { validateOptions } from "./options.ts";
import { checkTopK, encodeChecked, labelOf, predictionsFrom } from "./predict.ts";
import { objectiveOf } from "./scoring.ts";
import { getKernels } from "./kernels.ts";
import { type Aggregation, AGGREGATIONS, mergeWords } from "./words.ts";

/** The outputs a method can explain. */
export const OUTPUTS: readonly OutputKind[] = ["logit", "probability", "log-probability"];

/** Progress of a running explanation. */
export interface Progress {
  method: string;
  done: number;
  total: number;
}

/** Options for {@link explain}. */
export interface ExplainOptions {
  /** Method id (default `occlusion`). */
  method?: string;
  /** What to explain: a label (classifiers) or a token's text (causal LMs). Default: the top prediction. */
  target?: string;
  /** What to explain, by class index or token id. */
  targetId?: number;
  /** "Why target rather than contrast": a label or token text. */
  contrast?: string;
  contrastId?: number;
  /** Default `logit`. */
  output?: OutputKind;
  /** Method options (steps, baseline, samples, ...). */
  params?: Record<string, unknown>;
  /** Predictions to include (default 5). */
  topK?: number;
  /** How subword scores merge into words (default `sum`). */
  aggregation?: Aggregation;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** Resolves a target or contrast given as text or id to an output index. */
export function resolveOutput(
  model: Model,
  vocab: number,
  what: "target" | "contrast",
  text: string | undefined,
  id: number | undefined,
): number | undefined {
  if (id !== undefined) {
    if (!Number.isInteger(id) || id < 0 || id >= vocab) {
      throw new InputError(
        `${what}Id must be an integer from 0 to ${
          vocab - 1
        } for model ${model.id}, current value is ${id}`,
      );
    }
    return id;
  }
  if (text === undefined) return undefined;
  if (typeof text !== "string" || text.length === 0) {
    throw new InputError(`${what} must be a non-empty string`);
  }
  if (model.task === "text-classification") {
    const labels = model.labels ?? [];
    const index = labels.findIndex((l) => l.toLowerCase() === text.toLowerCase());
    if (index < 0) {
      throw new InputError(
        `Unknown ${what} label "${text}"; model ${model.id} has labels ${labels.join(", ")}`,
      );
    }
    return index;
  }
  for (const candidate of [text, ` ${text}`]) {
    const { ids } = model.tokenizer.encode(candidate, { addSpecialTokens: false });
    if (ids.length === 1) return ids[0];
  }
  const pieces = model.tokenizer.encode(text, { addSpecialTokens: false }).tokens.map((t) =>
    JSON.stringify(t.text)
  );
  throw new InputError(
    `${what} "${text}" is ${pieces.length} tokens (${
      pieces.join(", ")
    }), not one; give a single token or use ${what}Id`,
  );
}

/** `explain()` and `warmUp()` over one set of methods. */
export interface Explainer {
  /** The methods it runs, by id. */
  readonly methods: MethodSet;
  /**
   * Explains the model's prediction for a text.
   *
   * @param model A loaded model.
   * @param text The input text.
   * @param options Method, target, contrast, output, method options, progress and cancellation.
   * @returns The Explanation (`schemaVersion: 1`).
   * @throws UnknownMethodError (listing this explainer's methods), InputError, TypeError/RangeError
   *   for bad options, AbortError.
   */
  explain(model: Model, text: string, options?: ExplainOptions): Promise<Explanation>;
  /**
   * Builds what the given methods need on first use (gradient graphs, tapped graphs, the
   * position-head graph of causal LMs) by explaining a short text once, so a server's first real
   * request does not pay for it. Methods the model cannot run (a graph that cannot be
   * differentiated) or this explainer does not have are skipped.
   *
   * @returns The methods that are ready.
   */
  warmUp(model: Model, methods?: readonly string[]): Promise<string[]>;
}

/**
 * An explainer over the given methods (listed to users in this order).
 *
 * @throws TypeError when two methods share an id.
 */
export function createExplainer(methods: readonly MethodSpec[]): Explainer {
  const set = methodSet(methods);
  const explain = (model: Model, text: string, options: ExplainOptions = {}) =>
    run(set, model, text, options);
  return {
    methods: set,
    explain,
    async warmUp(model, methods = ["integrated-gradients", "attention-rollout"]) {
      const ready: string[] = [];
      for (const method of methods) {
        const params = method === "integrated-gradients" ? { steps: 1 } : {};
        try {
          await explain(model, "warm up", { method, params });
          ready.push(method);
        } catch {
          // The method cannot run on this model; its requests will say why.
        }
      }
      return ready;
    },
  };
}

async function run(
  methods: MethodSet,
  model: Model,
  text: string,
  options: ExplainOptions,
): Promise<Explanation> {
  const started = performance.now();
  const method = methods.get(options.method ?? "occlusion");
  const output = options.output ?? "logit";
  if (!OUTPUTS.includes(output)) {
    throw new TypeError(
      `Cannot run ${method.id}: "output" must be one of ${OUTPUTS.join(", ")}, current value is ${
        JSON.stringify(output)
      }`,
    );
  }
  const aggregation = options.aggregation ?? "sum";
  if (!AGGREGATIONS.includes(aggregation)) {
    throw new TypeError(
      `"aggregation" must be one of ${AGGREGATIONS.join(", ")}, current value is ${
        JSON.stringify(aggregation)
      }`,
    );
  }
  const k = checkTopK(options.topK ?? 5);
  if (method.needs.tasks && !method.needs.tasks.includes(model.task)) {
    throw new InputError(
      `Method ${method.id} works only for ${
        method.needs.tasks.join(", ")
      } models; ${model.id} is ${model.task}`,
    );
  }
  const params = validateOptions(method, options.params ?? {});
  const { ids, tokens } = encodeChecked(model, text);
  if (options.signal?.aborted) throw new AbortError();

  const { logits, vocab } = await forwardLogits(model, [ids], { signal: options.signal });
  const { predictions, probabilities } = predictionsFrom(model, logits, k);
  const targetId = resolveOutput(model, vocab, "target", options.target, options.targetId) ??
    predictions[0].id;
  const contrastId = resolveOutput(model, vocab, "contrast", options.contrast, options.contrastId);
  if (contrastId === targetId) {
    throw new InputError(
      `contrast must differ from the target (both are ${labelOf(model, targetId)})`,
    );
  }
  const position = model.task === "text-generation" ? ids.length - 1 : 0;
  const counters = { forward: 1, backward: 0 };

  const ctx: MethodContext = {
    model,
    ids,
    tokens,
    objective: { targetId, contrastId, output, position },
    params,
    signal: options.signal,
    counters,
    progress(done, total) {
      if (options.signal?.aborted) throw new AbortError();
      options.onProgress?.({ method: method.id, done, total });
    },
    async score(rows) {
      const result = await forwardLogits(model, rows, { signal: options.signal });
      counters.forward += rows.length;
      // Probabilities need a softmax over the whole vocabulary per row: the SIMD kernel's job.
      const logSoftmax = output === "logit"
        ? undefined
        : (await getKernels()).logSoftmax(result.logits, result.vocab);
      return objectiveOf(result.logits, result.vocab, output, targetId, contrastId, logSoftmax);
    },
  };
  const result = await method.run(ctx);
  if (result.scores.length !== ids.length) {
    throw new Error(
      `Method ${method.id} returned ${result.scores.length} scores for ${ids.length} tokens`,
    );
  }
  options.onProgress?.({ method: method.id, done: 1, total: 1 });

  const explanation: Explanation = {
    schemaVersion: SCHEMA_VERSION,
    model: { id: model.id, task: model.task, architecture: model.architecture },
    text,
    tokens,
    predictions,
    target: {
      id: targetId,
      label: labelOf(model, targetId),
      probability: probabilities[targetId],
      position,
    },
    method: { id: method.id, output, params: { ...params, aggregation } },
    scores: result.scores,
    words: mergeWords(text, tokens, result.scores, aggregation),
    diagnostics: {
      ...result.diagnostics,
      elapsedMs: performance.now() - started,
      forwardPasses: counters.forward,
      backwardPasses: counters.backward,
      backend: `onnxruntime-${model.backend}`,
    },
  };
  if (contrastId !== undefined) {
    explanation.contrast = {
      id: contrastId,
      label: labelOf(model, contrastId),
      probability: probabilities[contrastId],
    };
  }
  const coupling = modelRowCoupling(model);
  if (coupling) {
    explanation.diagnostics.notices = [
      ...explanation.diagnostics.notices ?? [],
      `Rows were run one at a time, each as the model gives it alone: ${coupling}.`,
    ];
  }
  if (result.attention) explanation.attention = result.attention;
  if (result.views) explanation.views = result.views;
  return explanation;
}
