/**
 * Merging subword scores into words. A word is a run of non-special tokens that touch in the text
 * (no gap between them) where no token starts with whitespace; punctuation and CJK characters are
 * words of their own. Scores merge by sum (default: attributions are additive), mean, or max (the
 * score with the largest magnitude, sign kept).
 *
 * @module
 */
import type { Token, Word } from "./explanation.ts";

/** How subword scores combine into a word's score. */
export type Aggregation = "sum" | "mean" | "max";

/** The aggregations {@link mergeWords} accepts. */
export const AGGREGATIONS: readonly Aggregation[] = ["sum", "mean", "max"];

const ALONE = /^[\p{P}\p{S}\u4E00-\u9FFF\u3400-\u4DBF\u3000-\u303F\uFF00-\uFFEF]$/u;

/**
 * Groups tokens into words and aggregates their scores.
 *
 * @example
 * ```ts
 * import { mergeWords } from "./words.ts";
 * const text = "unhappy";
 * const tokens = [
 *   { id: 1, text: "un", start: 0, end: 2, special: false },
 *   { id: 2, text: "happy", start: 2, end: 7, special: false },
 * ];
 * mergeWords(text, tokens, [0.5, -1]).map((w) => [w.text, w.score]); // [["unhappy", -0.5]]
 * ```
 */
export function mergeWords(
  text: string,
  tokens: readonly Token[],
  scores: readonly number[],
  aggregation: Aggregation = "sum",
): Word[] {
  const groups: number[][] = [];
  let current: number[] | undefined;
  let previousEnd = -1;
  let previousAlone = false;
  tokens.forEach((token, i) => {
    if (token.special) {
      current = undefined;
      return;
    }
    const surface = text.slice(token.start, token.end);
    const trimmed = surface.trim();
    const alone = trimmed.length > 0 && [...trimmed].every((ch) => ALONE.test(ch));
    const startsWord = !current || token.start !== previousEnd || /^\s/.test(surface) || alone ||
      previousAlone;
    if (startsWord && (token.end > token.start || !current)) {
      current = [i];
      groups.push(current);
    } else current!.push(i);
    if (token.end > token.start) {
      previousEnd = token.end;
      previousAlone = alone;
    }
  });
  return groups.map((group) => {
    const first = tokens[group[0]], last = tokens[group[group.length - 1]];
    let start = first.start;
    while (start < last.end && /\s/.test(text[start])) start++;
    const values = group.map((i) => scores[i]);
    let score = 0;
    if (aggregation === "max") {
      for (const v of values) if (Math.abs(v) > Math.abs(score)) score = v;
    } else {
      score = values.reduce((a, b) => a + b, 0);
      if (aggregation === "mean") score /= values.length;
    }
    const end = Math.max(start, last.end);
    return {
      text: text.slice(start, end),
      start,
      end,
      tokens: [group[0], group[group.length - 1]],
      score,
    };
  });
}
