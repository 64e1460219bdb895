/**
 * Explanation -> terminal text: the tokens coloured by score with ANSI 24-bit background colours
 * from the shared palette (or, without colour, each token followed by its signed score), wrapped to
 * the terminal width, then the top-k predictions as a table, the method line and the diagnostics.
 *
 * @module
 */

import type { Explanation } from "@glassbox/core/explanation";
import { isWide } from "./font_metrics.ts";
import { formatScore, maxAbsScore, mix, scoreColor, textColorOn } from "./palette.ts";
import { displayUnits, type Level } from "./units.ts";

/** Options for {@link renderText}. */
export interface TextOptions {
  /** Use ANSI 24-bit colours; when false every token carries its score in parentheses. */
  color: boolean;
  /** Line width in terminal columns. @default 80 */
  width?: number;
  /** Chips per token or per word. @default "token" */
  level?: Level;
  /** Predictions listed. @default 5 */
  topK?: number;
}

const RESET = "\x1b[0m";
const BOLD = "\x1b[1m";
const DIM = "\x1b[2m";

/** Terminal columns a string takes (wide CJK and emoji count 2, combining marks 0). */
export function columns(text: string): number {
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0x300 && cp <= 0x36f) || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) continue;
    n += isWide(cp) ? 2 : 1;
  }
  return n;
}

function padEnd(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - columns(text)));
}

function padStart(text: string, width: number): string {
  return " ".repeat(Math.max(0, width - columns(text))) + text;
}

function fg(hex: string): string {
  return hex === "#000000" ? "\x1b[38;2;0;0;0m" : "\x1b[38;2;255;255;255m";
}

/** Cuts text to `max` columns with "…". */
function clip(text: string, max: number): string {
  if (columns(text) <= max) return text;
  let out = "";
  for (const ch of text) {
    if (columns(out + ch) > max - 1) break;
    out += ch;
  }
  return out + "…";
}

/** Wraps prose at spaces to `width` columns; continuation lines are indented by two spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && columns(candidate) > width) {
      lines.push(line);
      line = `  ${word}`;
    } else {
      line = candidate;
    }
  }
  lines.push(line);
  return lines;
}

/**
 * Renders an explanation for a terminal.
 *
 * @param explanation The explanation to render.
 * @param options `color` (ANSI 24-bit or plain), `width` in columns (default 80), `level`, `topK`.
 * @returns Lines of text joined with "\n", ending with a newline.
 * @throws {RangeError} When `width` is below 20.
 * @example Plain text
 * ```ts ignore
 * import { renderText } from "@glassbox/render";
 * console.log(renderText(explanation, { color: Deno.stdout.isTerminal() }));
 * ```
 */
export function renderText(explanation: Explanation, options: TextOptions): string {
  const width = options.width ?? 80;
  if (!(Number.isInteger(width) && width >= 20)) {
    throw new RangeError(
      `Cannot render text: "width" must be an integer >= 20 columns, current value is ${options.width}`,
    );
  }
  const e = explanation;
  const color = options.color;
  const units = displayUnits(e, options.level ?? "token");
  const maxAbs = maxAbsScore(units.map((u) => u.score));
  const out: string[] = [];
  const title = `${e.model.id} · ${e.method.id} · target ${JSON.stringify(e.target.label)} ` +
    `(p=${e.target.probability.toFixed(3)})` +
    (e.contrast
      ? ` vs ${JSON.stringify(e.contrast.label)} (p=${e.contrast.probability.toFixed(3)})`
      : "");
  out.push(...wrap(title, width).map((l) => color ? BOLD + l + RESET : l));
  out.push("");

  // Chips flow like words: a space where the text has one, none between pieces of a word.
  let line = "";
  let used = 0;
  for (const [i, u] of units.entries()) {
    const label = clip(u.label, width - 12);
    const shown = color ? ` ${label} ` : `${label}(${formatScore(u.score)})`;
    const cols = columns(shown);
    const gap = i > 0 && (u.spaceBefore || !color) ? 1 : 0;
    if (used > 0 && used + gap + cols > width) {
      out.push(line);
      line = "";
      used = 0;
    } else if (used > 0 && gap) {
      line += " ";
      used += 1;
    }
    if (color) {
      const base = scoreColor(u.score, maxAbs);
      const fill = u.special ? mix(base, { r: 255, g: 255, b: 255 }, 0.65) : base;
      const ink = u.special ? "\x1b[38;2;64;64;64m" : fg(textColorOn(fill));
      line += `\x1b[48;2;${fill.r};${fill.g};${fill.b}m${ink}${shown}${RESET}`;
    } else {
      line += shown;
    }
    used += cols;
    if (u.breakAfter && used > 0) {
      out.push(line);
      line = "";
      used = 0;
    }
  }
  if (line) out.push(line);
  const scale = `scale: ±${formatScore(maxAbs).replace(/^[+-]/, "")}; ` +
    (color
      ? "red pushes toward the target, blue against"
      : "(+) pushes toward the target, (-) against");
  out.push(...wrap(scale, width).map((l) => color ? DIM + l + RESET : l));
  out.push("");

  const preds = e.predictions.slice(0, options.topK ?? 5);
  if (preds.length > 0) {
    const labels = preds.map((p) => clip(JSON.stringify(p.label), 30));
    const w = Math.max(5, ...labels.map(columns));
    out.push(`${padEnd("label", w)}  probability     logit`);
    for (const [i, p] of preds.entries()) {
      const role = p.id === e.target.id
        ? "  <- target"
        : p.id === e.contrast?.id
        ? "  <- contrast"
        : "";
      out.push(
        `${padEnd(labels[i], w)}  ${padStart(p.probability.toFixed(4), 11)}  ${
          padStart(p.logit.toFixed(3), 8)
        }${role}`,
      );
    }
    out.push("");
  }

  const params = Object.entries(e.method.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(" ");
  out.push(
    ...wrap(
      `method: ${e.method.id} (output: ${e.method.output})${params ? " " + params : ""}`,
      width,
    ),
  );
  const d = e.diagnostics;
  const diag = [
    `${d.elapsedMs.toFixed(1)} ms`,
    `${d.forwardPasses} forward / ${d.backwardPasses} backward passes`,
    `backend ${d.backend}`,
  ];
  if (d.convergenceDelta !== undefined) {
    diag.push(`convergence delta ${d.convergenceDelta.toPrecision(3)}`);
  }
  out.push(...wrap(`diagnostics: ${diag.join(", ")}`, width));
  for (const notice of d.notices ?? []) out.push(...wrap(`notice: ${notice}`, width));
  return out.join("\n") + "\n";
}
