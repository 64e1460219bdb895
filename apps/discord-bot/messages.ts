/**
 * The text of the bot's replies, in Discord markdown within Discord's lengths: the summary that goes
 * with the picture, its alt text, the predictions of /predict and the list of /methods. Echoed user
 * text is escaped so that it shows as typed.
 *
 * @module
 */
import { type Explanation, METHODS, type PredictResult } from "@glassbox/core";
import { formatScore } from "@glassbox/render/palette";
import { ALT_TEXT_MAX_LENGTH, CONTENT_MAX_LENGTH } from "./commands.ts";

/** How many words the summary names. */
export const SUMMARY_WORDS = 3;
/** How many tokens the alt text names. */
export const ALT_TEXT_TOKENS = 5;

/** Escapes Discord markdown so echoed user text shows as typed. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`|>#<:\[\]]/g, "\\$&").replace(/\s+/g, " ");
}

/** Units the summary and alt text name: words when the explanation has them, else tokens. */
interface Ranked {
  text: string;
  score: number;
}

/**
 * The units with the largest absolute scores, largest first (ties keep text order).
 *
 * @param level `word` uses `explanation.words` (falling back to tokens) and skips punctuation
 *   unless the text has nothing else; `token` ranks every non-special token.
 */
export function topUnits(
  explanation: Explanation,
  count: number,
  level: "word" | "token",
): Ranked[] {
  let units: Ranked[] = level === "word" && explanation.words
    ? explanation.words.map((w) => ({ text: w.text, score: w.score }))
    : explanation.tokens.flatMap((t, i) =>
      t.special ? [] : [{ text: t.text, score: explanation.scores[i] }]
    );
  if (level === "word") {
    const words = units.filter((unit) => /[\p{L}\p{N}]/u.test(unit.text));
    if (words.length > 0) units = words;
  }
  return units
    .map((unit, index) => ({ unit, index }))
    .sort((a, b) => Math.abs(b.unit.score) - Math.abs(a.unit.score) || a.index - b.index)
    .slice(0, count)
    .map(({ unit }) => unit);
}

function percent(probability: number): string {
  return `${(probability * 100).toFixed(1)}%`;
}

/** A label or token in bold. Surrounding spaces (GPT-2 tokens start with one) would break the bold
 * markup; a token that is only whitespace is shown quoted. */
function label(text: string): string {
  const shown = text.trim();
  return `**${escapeMarkdown(shown === "" ? JSON.stringify(text) : shown)}**`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The message that goes with the picture: top prediction and probability, what was explained and
 * how, and the three words that mattered most.
 */
export function explainSummary(explanation: Explanation, modelId: string): string {
  const top = explanation.predictions[0];
  const target = explanation.target;
  const lines = [
    `Top prediction: ${label(top.label)} ${percent(top.probability)} · model \`${modelId}\``,
  ];
  const why = target.id === top.id
    ? `Why ${label(target.label)}`
    : `Why ${label(target.label)} (${percent(target.probability)})`;
  lines.push(`${why}, by \`${explanation.method.id}\` (${explanation.method.output})`);
  const words = topUnits(explanation, SUMMARY_WORDS, "word")
    .map((w) => `${label(w.text)} (${formatScore(w.score)})`);
  lines.push(`Words that mattered most: ${words.join(", ")}`);
  return clip(lines.join("\n"), CONTENT_MAX_LENGTH);
}

/** Alt text for the picture: what it shows and the tokens with the largest scores. */
export function altText(explanation: Explanation): string {
  const tokens = topUnits(explanation, ALT_TEXT_TOKENS, "token")
    .map((t) => `"${t.text}" ${formatScore(t.score)}`);
  return clip(
    `Token attributions by ${explanation.method.id} for ${
      JSON.stringify(explanation.target.label)
    }` +
      ` (p = ${explanation.target.probability.toFixed(3)}). Top tokens: ${tokens.join(", ")}. ` +
      `Text: ${explanation.text}`,
    ALT_TEXT_MAX_LENGTH,
  );
}

/** The message of /predict: the top predictions with probabilities. */
export function predictSummary(result: PredictResult, modelId: string): string {
  const lines = result.predictions.map((p, i) =>
    `${i + 1}. ${label(p.label)} ${percent(p.probability)}`
  );
  return clip(`Predictions of \`${modelId}\`:\n${lines.join("\n")}`, CONTENT_MAX_LENGTH);
}

/** The reply of /methods: every registered method with its kind and description. */
export function methodsList(): string {
  return clip(
    [
      "Methods for /explain (default `occlusion`):",
      ...METHODS.map((m) => `- \`${m.id}\` (${m.kind}): ${m.description}`),
    ].join("\n"),
    CONTENT_MAX_LENGTH,
  );
}
