/**
 * Method agreement: how alike two attributions of the same input are, as rank correlations (Spearman's
 * rho, Kendall's tau-b) and the overlap of their top-k tokens. Methods that agree are not proven right,
 * but methods that disagree cannot both be faithful, so the comparison view shows these numbers next to
 * one row per method. Special tokens are left out: most methods give them 0 by construction.
 *
 * @module
 */
import type { Explanation } from "@glassbox/core";

/** Ranks (1 = smallest), ties sharing the mean of the ranks they span. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]] = rank;
    i = j + 1;
  }
  return out;
}

function checkPair(a: readonly number[], b: readonly number[], what: string): void {
  if (a.length !== b.length) {
    throw new RangeError(
      `Cannot compute ${what}: the score lists differ in length (${a.length} and ${b.length})`,
    );
  }
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n, mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

/**
 * Spearman's rank correlation: Pearson's correlation of the tie-averaged ranks.
 *
 * @returns A value in [-1, 1]; NaN when either list is constant (or has fewer than 2 values).
 * @throws RangeError when the lists differ in length.
 */
export function spearman(a: readonly number[], b: readonly number[]): number {
  checkPair(a, b, "Spearman's rho");
  if (a.length < 2) return NaN;
  return pearson(ranks(a), ranks(b));
}

/**
 * Kendall's tau-b, which corrects for ties in either list:
 * (concordant - discordant) / sqrt((n0 - n1) (n0 - n2)). O(n^2), fine for one text's tokens.
 *
 * @returns A value in [-1, 1]; NaN when either list is constant.
 * @throws RangeError when the lists differ in length.
 */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  checkPair(a, b, "Kendall's tau");
  let concordant = 0, discordant = 0, tiesA = 0, tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i] - a[j]), db = Math.sign(b[i] - b[j]);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt(
    (concordant + discordant + tiesA) * (concordant + discordant + tiesB),
  );
  return denominator === 0 ? NaN : (concordant - discordant) / denominator;
}

/** Indices of the k largest values, ties broken by the lower index. */
export function topIndices(values: readonly number[], k: number): number[] {
  return values.map((_, i) => i).sort((x, y) => values[y] - values[x] || x - y).slice(0, k);
}

/**
 * Fraction of the top-k items of `a` that are also in the top-k of `b`.
 *
 * @throws RangeError when the lists differ in length or k is not a positive integer.
 */
export function topKOverlap(a: readonly number[], b: readonly number[], k: number): number {
  checkPair(a, b, "top-k overlap");
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(
      `Cannot compute top-k overlap: k must be an integer >= 1, current value is ${k}`,
    );
  }
  const kk = Math.min(k, a.length);
  if (kk === 0) return NaN;
  const inB = new Set(topIndices(b, kk));
  return topIndices(a, kk).filter((i) => inB.has(i)).length / kk;
}

/** Options for {@link compareScores} and {@link methodAgreement}. */
export interface AgreementOptions {
  /**
   * Compare importance (`absolute`: |score|) or direction too (`signed`). Unsigned methods such as
   * saliency can only be compared on importance.
   * @default "absolute"
   */
  by?: "absolute" | "signed";
  /** Tokens in the top-k overlap. @default 5 (capped at the number of tokens) */
  k?: number;
}

/** How alike two attributions are. */
export interface Agreement {
  spearman: number;
  kendall: number;
  topKOverlap: number;
  k: number;
}

/**
 * Compares two attributions of the same tokens.
 *
 * @param a Scores of one method.
 * @param b Scores of another method, same length.
 * @param options What to rank by and k.
 */
export function compareScores(
  a: readonly number[],
  b: readonly number[],
  options: AgreementOptions = {},
): Agreement {
  const by = options.by ?? "absolute";
  if (by !== "absolute" && by !== "signed") {
    throw new TypeError(
      `"by" must be one of absolute, signed, current value is ${JSON.stringify(by)}`,
    );
  }
  const k = Math.min(options.k ?? 5, a.length);
  const f = by === "absolute" ? Math.abs : (x: number) => x;
  const fa = a.map(f), fb = b.map(f);
  return {
    spearman: spearman(fa, fb),
    kendall: kendallTau(fa, fb),
    topKOverlap: k > 0 ? topKOverlap(fa, fb, k) : NaN,
    k,
  };
}

/** Agreement of every pair of methods on one input. */
export interface MethodAgreement {
  /** Method ids in the order given. */
  methods: string[];
  /** One entry per unordered pair (i < j). */
  pairs: ({ a: string; b: string } & Agreement)[];
}

/**
 * Compares explanations of the same text by different methods, over the non-special tokens.
 *
 * @param explanations Two or more explanations of the same text, tokens and target.
 * @param options What to rank by and k.
 * @throws RangeError when the explanations are of different texts or targets.
 *
 * @example Two methods that rank three tokens alike
 * ```ts
 * import { compareScores } from "./agreement.ts";
 * const { spearman } = compareScores([0.1, 0.5, 0.9], [1, 2, 3], { by: "signed" });
 * console.log(spearman); // 1
 * ```
 */
export function methodAgreement(
  explanations: readonly Explanation[],
  options: AgreementOptions = {},
): MethodAgreement {
  if (explanations.length < 2) {
    throw new RangeError(
      `Cannot compare methods: give at least 2 explanations, got ${explanations.length}`,
    );
  }
  const [first] = explanations;
  for (const e of explanations) {
    if (e.text !== first.text || e.target.id !== first.target.id) {
      throw new RangeError(
        `Cannot compare methods: every explanation must be of the same text and target ` +
          `(${e.method.id} explains target ${e.target.label} of "${e.text.slice(0, 40)}")`,
      );
    }
  }
  const keep = first.tokens.map((t, i) => (t.special ? -1 : i)).filter((i) => i >= 0);
  const pick = (e: Explanation) => keep.map((i) => e.scores[i]);
  const pairs: MethodAgreement["pairs"] = [];
  for (let i = 0; i < explanations.length; i++) {
    for (let j = i + 1; j < explanations.length; j++) {
      pairs.push({
        a: explanations[i].method.id,
        b: explanations[j].method.id,
        ...compareScores(pick(explanations[i]), pick(explanations[j]), options),
      });
    }
  }
  return { methods: explanations.map((e) => e.method.id), pairs };
}
