/**
 * Plausibility: do the words an explanation ranks highest match what people would point at? For the
 * bundled sentiment model the ground truth is its lexicon (the sentiment words the training data was
 * built around). ERASER's two soft-score metrics: token F1 of the top-k words, k = the number of
 * ground-truth words in the text, and AUPRC (average precision) of the whole ranking. Words rank by
 * |score|: a strongly negative word is as much evidence as a strongly positive one.
 *
 * Units are words (subword pieces merged, `explanation.words`), or non-special tokens when the
 * explanation has no words; a unit is ground truth when its lowercased letters form a lexicon word.
 *
 * The negation case ({@link negationWeight}): when a negator ("not", "never", the "wasn" of "wasn't")
 * flipped a sentence's label, a plausible explanation puts weight on the negator, not only on the
 * sentiment word it negates.
 *
 * @see DeYoung et al., "ERASER: A Benchmark to Evaluate Rationalized NLP Models", ACL 2020.
 * @module
 */
import type { Explanation } from "@glassbox/core";

/** A set of lowercase ground-truth words. */
export type Lexicon = ReadonlySet<string>;

/**
 * Builds a lexicon from the shapes lexicon files come in: a list of words, an object of word -> score,
 * or an object of lists (`{ "positive": [...], "negative": [...] }`).
 *
 * @throws TypeError for anything else.
 */
export function toLexicon(data: unknown): Lexicon {
  const words = new Set<string>();
  const addAll = (list: unknown[], where: string) => {
    for (const w of list) {
      if (typeof w !== "string") {
        throw new TypeError(`Cannot read lexicon: ${where} holds a ${typeof w}, expected words`);
      }
      words.add(w.toLowerCase());
    }
  };
  if (Array.isArray(data)) addAll(data, "the list");
  else if (data && typeof data === "object") {
    for (const [key, value] of Object.entries(data)) {
      if (Array.isArray(value)) addAll(value, `"${key}"`);
      else if (typeof value === "number") words.add(key.toLowerCase());
      else {
        throw new TypeError(
          `Cannot read lexicon: "${key}" is a ${typeof value}; expected a word list, ` +
            `an object of word -> score, or an object of word lists`,
        );
      }
    }
  } else {
    throw new TypeError(
      `Cannot read lexicon: expected a word list, an object of word -> score, or an object of word lists`,
    );
  }
  return words;
}

/** The letters (and digits) of a word, lowercased: "Wonderful!" -> "wonderful". */
function normalize(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}'-]/gu, "").replace(/^['-]+|['-]+$/g, "");
}

/**
 * Average precision of a ranking: the mean of precision@i over the ranks i of the relevant items
 * (the area under the precision-recall curve, as scikit-learn's average_precision_score computes it).
 * Tied scores are ranked pessimistically (relevant items after irrelevant ones).
 *
 * @returns NaN when nothing is relevant.
 */
export function averagePrecision(scores: readonly number[], relevant: readonly boolean[]): number {
  const order = scores.map((_, i) => i).sort((a, b) =>
    scores[b] - scores[a] || Number(relevant[a]) - Number(relevant[b])
  );
  const total = relevant.filter(Boolean).length;
  if (total === 0) return NaN;
  let hits = 0, sum = 0;
  order.forEach((i, rank) => {
    if (relevant[i]) sum += ++hits / (rank + 1);
  });
  return sum / total;
}

/** The compared units: words, or non-special tokens when the explanation has no words. */
function unitsOf(explanation: Explanation): { text: string; score: number }[] {
  return explanation.words?.length
    ? explanation.words.map((w) => ({ text: w.text, score: w.score }))
    : explanation.tokens.flatMap((t, i) =>
      t.special ? [] : [{ text: t.text, score: explanation.scores[i] }]
    );
}

/** Plausibility of one explanation. */
export interface Plausibility {
  /** Units compared (words, or tokens). */
  units: number;
  /** Of which ground truth. */
  groundTruth: number;
  /** F1 of the top-k units (k = groundTruth) against the ground truth; NaN when there is none. */
  tokenF1: number;
  /** Average precision of the |score| ranking; NaN when there is no ground truth. */
  auprc: number;
}

/**
 * Compares an explanation with ground-truth words.
 *
 * @param explanation The explanation.
 * @param lexicon Ground-truth words, lowercase (see {@link toLexicon}).
 *
 * @example One of two lexicon words in the top 2
 * ```ts
 * import { plausibility } from "./plausibility.ts";
 * import { toLexicon } from "./plausibility.ts";
 * const words = ["good", "day", "bad"].map((text, i) => ({ text, start: 0, end: 0, tokens: [i, i] as [number, number], score: [3, 2, 1][i] }));
 * const explanation = { words, tokens: [], scores: [] } as unknown as Parameters<typeof plausibility>[0];
 * console.log(plausibility(explanation, toLexicon(["good", "bad"])).tokenF1); // 0.5
 * ```
 */
export function plausibility(explanation: Explanation, lexicon: Lexicon): Plausibility {
  const units = unitsOf(explanation);
  const scores = units.map((u) => Math.abs(u.score));
  const relevant = units.map((u) => lexicon.has(normalize(u.text)));
  const k = relevant.filter(Boolean).length;
  let tokenF1 = NaN;
  if (k > 0) {
    const top = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, k);
    const hits = top.filter((i) => relevant[i]).length;
    // Precision and recall are both hits / k when the predicted rationale has k units.
    tokenF1 = hits / k;
  }
  return {
    units: units.length,
    groundTruth: k,
    tokenF1,
    auprc: averagePrecision(scores, relevant),
  };
}

/** How much weight an explanation puts on the negators of a negated sentence. */
export interface NegationWeight {
  /** 1-based rank by |score| of the best-ranked negator among the units; NaN when there is none. */
  rank: number;
  /** Share of the summed |score| of all units that falls on negators; NaN when there is none. */
  share: number;
}

/**
 * The negation case of plausibility: where an explanation ranks the negators of a sentence (the words
 * that flipped its sentiment, e.g. the ground truth's `negators`). Ties rank pessimistically.
 *
 * @example "not" is the top word and carries half the weight
 * ```ts
 * import { negationWeight, toLexicon } from "./plausibility.ts";
 * const words = ["not", "bad", "film"].map((text, i) => ({ text, start: 0, end: 0, tokens: [i, i] as [number, number], score: [2, -1.5, 0.5][i] }));
 * const explanation = { words, tokens: [], scores: [] } as unknown as Parameters<typeof negationWeight>[0];
 * console.log(negationWeight(explanation, toLexicon(["not"]))); // { rank: 1, share: 0.5 }
 * ```
 */
export function negationWeight(explanation: Explanation, negators: Lexicon): NegationWeight {
  const units = unitsOf(explanation).map((u) => ({
    magnitude: Math.abs(u.score),
    negator: negators.has(normalize(u.text)),
  }));
  const mine = units.filter((u) => u.negator);
  if (mine.length === 0) return { rank: NaN, share: NaN };
  const best = Math.max(...mine.map((u) => u.magnitude));
  const rank =
    units.filter((u) => u.magnitude > best || (u.magnitude === best && !u.negator)).length +
    1;
  const total = units.reduce((sum, u) => sum + u.magnitude, 0);
  const share = total > 0 ? mine.reduce((sum, u) => sum + u.magnitude, 0) / total : NaN;
  return { rank, share };
}
