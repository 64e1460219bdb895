/**
 * Display units: what a renderer draws as one chip. In token mode a unit is a token, in word mode
 * a run of subword pieces merged into a word (from `explanation.words`, or merged here when the
 * method did not provide them). Every renderer (SVG, HTML, terminal) goes through this file so
 * they agree on labels, gaps and special tokens.
 *
 * Labels come from the text itself (`text.slice(start, end)`), never from the tokenizer's piece
 * strings, so GPT-2's byte-level `Ġ` and BERT's `##` never reach the reader. A leading space is
 * shown as a gap before the chip (`spaceBefore`), a whitespace-only token as `␣` / `↵` marks.
 *
 * @module
 */

import type { Explanation, Word } from "@glassbox/core/explanation";
import { mergeWords as mergeCoreWords } from "@glassbox/core/words";

/** One chip: a token, or a word made of consecutive tokens. */
export interface DisplayUnit {
  /** What the chip shows. */
  label: string;
  /** The attribution score (a word's score is the sum of its pieces' scores). */
  score: number;
  /** Inclusive range of token indices. */
  tokens: [number, number];
  /** A special token ([CLS], <|endoftext|>): drawn dimmed, with its token text. */
  special: boolean;
  /** Whitespace separates this unit from the one before (draw a word gap). */
  spaceBefore: boolean;
  /** The unit's text contains a line break: start a new line after it. */
  breakAfter: boolean;
}

/** Word mode merges subword pieces; token mode shows each token. */
export type Level = "token" | "word";

const WHITESPACE_MARKS: Record<string, string> = { "\n": "↵", "\r": "", "\t": "⇥" };

/** Makes whitespace and control characters visible in a label. */
function visible(s: string): string {
  let out = "";
  for (const ch of s) {
    if (ch in WHITESPACE_MARKS) out += WHITESPACE_MARKS[ch];
    else if (/\s/.test(ch)) out += "␣";
    // deno-lint-ignore no-control-regex -- control characters are what this replaces
    else if (/[\u0000-\u001f\u007f]/.test(ch)) out += "\ufffd";
    else out += ch;
  }
  return out;
}

/** Label and gap flags for the text span [start, end) of a non-special unit. */
function surface(text: string, start: number, end: number, prevEnd: number) {
  const raw = text.slice(start, end);
  const trimmed = raw.trim();
  const leading = raw.length > 0 && /^\s/.test(raw);
  return {
    // Whitespace-only tokens (GPT-2 has "\n\n" and runs of spaces as tokens) stay visible as marks.
    label: trimmed.length > 0 ? visible(trimmed) : visible(raw),
    spaceBefore: leading || start > prevEnd,
    breakAfter: raw.includes("\n"),
  };
}

function checkScores(explanation: Explanation): void {
  if (explanation.scores.length !== explanation.tokens.length) {
    throw new RangeError(
      `Cannot render explanation: it has ${explanation.tokens.length} tokens but ${explanation.scores.length} scores; every token needs one score`,
    );
  }
}

/** Shown for a byte-level piece that holds only continuation bytes of the character before it. */
export const CONTINUATION_LABEL = "·";

/**
 * The tokens of an explanation as chips. Special tokens show their token text; a non-special token
 * with an empty span (core's convention for a byte-level piece holding only the continuation bytes
 * of a character, e.g. the 2nd and 3rd pieces of an emoji) shows {@link CONTINUATION_LABEL},
 * joined to the chip before it.
 */
export function tokenUnits(explanation: Explanation): DisplayUnit[] {
  checkScores(explanation);
  const { text, tokens, scores } = explanation;
  let prevEnd = 0;
  return tokens.map((t, i) => {
    if (t.special) {
      return {
        label: visible(t.text) || "\u2205",
        score: scores[i],
        tokens: [i, i],
        special: true,
        spaceBefore: i > 0,
        breakAfter: false,
      };
    }
    const s = t.start === t.end
      ? { label: CONTINUATION_LABEL, spaceBefore: false, breakAfter: false }
      : surface(text, t.start, t.end, prevEnd);
    prevEnd = Math.max(prevEnd, t.end);
    // A special token is never part of a word: keep a word gap after it.
    if (i > 0 && tokens[i - 1].special) s.spaceBefore = true;
    return { ...s, score: scores[i], tokens: [i, i], special: false };
  });
}

/**
 * Merges subword pieces into words with core's rule (pieces that touch with no whitespace between
 * them; punctuation and CJK characters are words of their own), scores summed.
 */
export function mergeWords(explanation: Explanation): Word[] {
  checkScores(explanation);
  return mergeCoreWords(explanation.text, explanation.tokens, explanation.scores, "sum");
}

/**
 * The words of an explanation as chips, special tokens kept as their own dimmed chips. Uses
 * `explanation.words` when present, else {@link mergeWords}.
 */
export function wordUnits(explanation: Explanation): DisplayUnit[] {
  const words = explanation.words ?? mergeWords(explanation);
  const tokens = tokenUnits(explanation);
  const units: DisplayUnit[] = [];
  let w = 0;
  let prevEnd = 0;
  for (let i = 0; i < tokens.length;) {
    const word = words[w];
    if (word && word.tokens[0] === i) {
      const s = surface(explanation.text, word.start, word.end, prevEnd);
      prevEnd = Math.max(prevEnd, word.end);
      if (units.length > 0 && units[units.length - 1].special) s.spaceBefore = true;
      units.push({ ...s, score: word.score, tokens: [...word.tokens], special: false });
      i = word.tokens[1] + 1;
      w++;
    } else {
      // A token no word covers: a special token, or a piece the method left out of `words`.
      units.push(tokens[i]);
      i++;
    }
  }
  return units;
}

/** The chips for a level. */
export function displayUnits(explanation: Explanation, level: Level = "token"): DisplayUnit[] {
  if (level === "token") return tokenUnits(explanation);
  if (level === "word") return wordUnits(explanation);
  throw new RangeError(
    `Cannot render explanation: unknown level "${level}", use "token" or "word"`,
  );
}
