/**
 * Faithfulness of one explanation: does the model's output really depend on the tokens the
 * explanation ranks highest? Tokens are ranked by their score (positive = supports the target), then:
 *
 * - comprehensiveness: f(x) - f(x without the top k% tokens), and sufficiency: f(x) - f(only the top
 *   k% tokens), each averaged over k = 1, 5, 10, 20, 50% as AOPC (DeYoung et al. 2020, ERASER). High
 *   comprehensiveness and low sufficiency mean faithful.
 * - deletion and insertion curves (Petsiuk et al. 2018): f after deleting the top tokens one by one
 *   from x, and after inserting them one by one into the empty input, with the area under each curve
 *   over the fraction of tokens (0..1). Low deletion AUC and high insertion AUC mean faithful.
 *
 * How tokens are taken out (`replacement`): `remove` (default) deletes them from the sequence, as
 * occlusion's default does; `unk`, `mask` or `pad` put that token in their place, keeping positions.
 * Special tokens ([CLS], [SEP], <|endoftext|>) are never taken out and do not count in the k% (they are
 * in the "empty" input too). The top k% is ceil(k% x n) of the n non-special tokens, so 1% of a short
 * sentence is still one token. f is, by default, the target's probability (ERASER's choice; minus the
 * contrast's when the explanation has one), read at the last token of each row for causal LMs. Every
 * perturbed input runs in a few batched forward passes (core's `forwardLogits`), duplicates once.
 *
 * @see DeYoung et al., "ERASER: A Benchmark to Evaluate Rationalized NLP Models", ACL 2020.
 * @see Petsiuk et al., "RISE: Randomized Input Sampling for Explanation of Black-box Models", BMVC 2018.
 * @module
 */
import {
  type Explanation,
  forwardLogits,
  InputError,
  type Model,
  objectiveOf,
  type OutputKind,
} from "@glassbox/core";

/** How removed tokens are taken out of the input. */
export const REMOVALS = ["remove", "unk", "mask", "pad"] as const;
/** A way of taking tokens out; see {@link REMOVALS}. */
export type Removal = typeof REMOVALS[number];

/** ERASER's AOPC bins: the top 1, 5, 10, 20 and 50% of tokens. */
export const AOPC_FRACTIONS: readonly number[] = Object.freeze([0.01, 0.05, 0.1, 0.2, 0.5]);

/** Options for {@link faithfulness}. */
export interface FaithfulnessOptions {
  /** How tokens are taken out. @default "remove" */
  replacement?: Removal;
  /** The quantity f. @default "probability" */
  output?: OutputKind;
  /** Fractions of tokens for AOPC. @default AOPC_FRACTIONS */
  fractions?: readonly number[];
  /** Most points on the deletion and insertion curves besides 0 (one per token when fewer). @default 20 */
  curvePoints?: number;
  signal?: AbortSignal;
}

/** One bin of an AOPC metric. */
export interface AopcBin {
  fraction: number;
  /** Tokens taken out (comprehensiveness) or kept (sufficiency). */
  tokens: number;
  value: number;
}

/** A deletion or insertion curve. */
export interface Curve {
  /** Area under the curve over the fraction of tokens, by the trapezoid rule. */
  auc: number;
  points: { fraction: number; value: number }[];
}

/** What {@link faithfulness} returns; the CLI and API put it in `diagnostics.faithfulness`. */
export interface FaithfulnessReport {
  output: OutputKind;
  replacement: Removal;
  /** Non-special tokens, the ones that are ranked and taken out. */
  tokens: number;
  /** f of the whole input. */
  full: number;
  /** f with every non-special token taken out. */
  empty: number;
  comprehensiveness: { aopc: number; bins: AopcBin[] };
  sufficiency: { aopc: number; bins: AopcBin[] };
  deletion: Curve;
  insertion: Curve;
  forwardPasses: number;
  elapsedMs: number;
}

/** Scores id rows with the explanation's target and contrast, in batched forward passes. */
export function scorerFor(
  model: Model,
  explanation: Explanation,
  output: OutputKind,
  signal?: AbortSignal,
): (rows: readonly (readonly number[])[]) => Promise<Float64Array> {
  return async (rows) => {
    const { logits, vocab } = await forwardLogits(model, rows, { signal });
    return objectiveOf(logits, vocab, output, explanation.target.id, explanation.contrast?.id);
  };
}

/** The token id that stands in for taken-out tokens, or `undefined` for `remove`. */
function fillerId(model: Model, replacement: Removal): number | undefined {
  if (!REMOVALS.includes(replacement)) {
    throw new TypeError(
      `Cannot compute faithfulness: "replacement" must be one of ${REMOVALS.join(", ")}, ` +
        `current value is ${JSON.stringify(replacement)}`,
    );
  }
  if (replacement === "remove") return undefined;
  const id = model.tokenizer.specialIds[replacement];
  if (id === undefined) {
    throw new InputError(
      `Cannot compute faithfulness with replacement "${replacement}": the tokenizer of ${model.id} ` +
        `has no ${replacement} token; use remove`,
    );
  }
  return id;
}

/** Area under a curve by the trapezoid rule. */
export function trapezoid(points: readonly { fraction: number; value: number }[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    area += (points[i].fraction - points[i - 1].fraction) *
      (points[i].value + points[i - 1].value) /
      2;
  }
  return area;
}

/**
 * Token indices of an explanation, most supporting first: the order in which faithfulness takes
 * tokens out. Special tokens are left out; ties go to the earlier token.
 */
export function rankTokens(explanation: Explanation): number[] {
  return explanation.tokens.map((t, i) => (t.special ? -1 : i)).filter((i) => i >= 0)
    .sort((a, b) => explanation.scores[b] - explanation.scores[a] || a - b);
}

/**
 * Measures how faithful an explanation is to the model.
 *
 * @param model The model the explanation was computed with.
 * @param explanation An explanation of that model (its tokens, target, contrast and scores are used).
 * @param options Replacement, output, AOPC fractions, curve resolution.
 * @returns Comprehensiveness and sufficiency (AOPC and per bin), deletion and insertion curves with AUC.
 * @throws TypeError/RangeError for bad options, InputError when the replacement token is missing.
 *
 * @example Faithfulness of an occlusion explanation
 * ```ts ignore
 * import { explain, loadModel } from "@glassbox/core";
 * import { faithfulness } from "@glassbox/eval";
 * const model = await loadModel("distilbert-sentiment");
 * const explanation = await explain(model, "What a wonderful day", { method: "occlusion" });
 * const report = await faithfulness(model, explanation);
 * console.log(report.comprehensiveness.aopc, report.deletion.auc);
 * ```
 */
export async function faithfulness(
  model: Model,
  explanation: Explanation,
  options: FaithfulnessOptions = {},
): Promise<FaithfulnessReport> {
  const started = performance.now();
  const replacement = options.replacement ?? "remove";
  const output = options.output ?? "probability";
  if (!["logit", "probability", "log-probability"].includes(output)) {
    throw new TypeError(
      `Cannot compute faithfulness: "output" must be one of logit, probability, log-probability, ` +
        `current value is ${JSON.stringify(output)}`,
    );
  }
  const fractions = options.fractions ?? AOPC_FRACTIONS;
  for (const f of fractions) {
    if (!(f > 0 && f <= 1)) {
      throw new RangeError(
        `Cannot compute faithfulness: every fraction must be in (0, 1], current value is ${f}`,
      );
    }
  }
  const curvePoints = options.curvePoints ?? 20;
  if (!Number.isInteger(curvePoints) || curvePoints < 1) {
    throw new RangeError(
      `Cannot compute faithfulness: "curvePoints" must be an integer >= 1, current value is ${curvePoints}`,
    );
  }
  if (explanation.scores.length !== explanation.tokens.length) {
    throw new RangeError(
      `Cannot compute faithfulness: the explanation has ${explanation.scores.length} scores for ` +
        `${explanation.tokens.length} tokens`,
    );
  }
  const filler = fillerId(model, replacement);
  const ids = explanation.tokens.map((t) => t.id);
  const order = rankTokens(explanation);
  const n = order.length;

  /** The input with the tokens at `out` taken out. */
  const without = (out: ReadonlySet<number>): number[] =>
    filler === undefined
      ? ids.filter((_, i) => !out.has(i))
      : ids.map((id, i) => (out.has(i) ? filler : id));
  const top = (count: number) => new Set(order.slice(0, count));
  const rest = (count: number) => new Set(order.slice(count));

  // Every input to score, deduplicated by content: the full and empty inputs recur in every metric.
  const rows: number[][] = [];
  const index = new Map<string, number>();
  const add = (row: number[]): number => {
    const key = row.join(",");
    let i = index.get(key);
    if (i === undefined) index.set(key, i = rows.push(row) - 1);
    return i;
  };
  const full = add(ids.slice());
  const empty = add(without(new Set(order)));
  const counts = fractions.map((f) => Math.min(n, Math.ceil(f * n - 1e-9)));
  const comprehensive = counts.map((c) => add(without(top(c))));
  const sufficient = counts.map((c) => add(without(rest(c))));
  const steps = Array.from(
    new Set(
      Array.from(
        { length: Math.min(n, curvePoints) + 1 },
        (_, i) => Math.round((i * n) / Math.min(Math.max(n, 1), curvePoints)),
      ),
    ),
  );
  const deleted = steps.map((s) => add(without(top(s))));
  const inserted = steps.map((s) => add(without(rest(s))));

  const values = await scorerFor(model, explanation, output, options.signal)(rows);
  const f = (i: number) => values[i];
  const bins = (which: number[], value: (i: number) => number): AopcBin[] =>
    which.map((row, b) => ({ fraction: fractions[b], tokens: counts[b], value: value(row) }));
  const mean = (b: AopcBin[]) => b.reduce((s, x) => s + x.value, 0) / Math.max(1, b.length);
  const curve = (which: number[]): Curve => {
    const points = which.map((row, i) => ({ fraction: n ? steps[i] / n : 0, value: f(row) }));
    return { auc: trapezoid(points), points };
  };
  const comprehensiveness = bins(comprehensive, (r) => f(full) - f(r));
  const sufficiency = bins(sufficient, (r) => f(full) - f(r));
  return {
    output,
    replacement,
    tokens: n,
    full: f(full),
    empty: f(empty),
    comprehensiveness: { aopc: mean(comprehensiveness), bins: comprehensiveness },
    sufficiency: { aopc: mean(sufficiency), bins: sufficiency },
    deletion: curve(deleted),
    insertion: curve(inserted),
    forwardPasses: rows.length,
    elapsedMs: performance.now() - started,
  };
}

/**
 * Returns a copy of the explanation with `diagnostics.faithfulness` filled in: the one call the CLI's
 * `--faithfulness` and the API's `faithfulness: true` make.
 *
 * @param model The model the explanation was computed with.
 * @param explanation The explanation to measure.
 * @param options As for {@link faithfulness}.
 */
export async function withFaithfulness(
  model: Model,
  explanation: Explanation,
  options: FaithfulnessOptions = {},
): Promise<Explanation> {
  const report = await faithfulness(model, explanation, options);
  return { ...explanation, diagnostics: { ...explanation.diagnostics, faithfulness: report } };
}
