/**
 * Explanation -> HTML: a self-contained document or fragment (inline CSS, no scripts, no external
 * assets), in the spirit of Captum's `visualize_text` but accessible:
 *
 * - every token is a focusable element whose `title` and `aria-label` carry the token and its
 *   signed score, and whose score appears beside it on hover and keyboard focus;
 * - colour is never the only signal: the sign is also an underline style (solid for toward the
 *   target, dotted for against) and a word in the label;
 * - chip text is black or white by the chip's luminance, >= 4.5:1 (see `palette.ts`).
 *
 * @module
 */

import type { Explanation } from "@glassbox/core/explanation";
import {
  BURD_STOPS,
  formatScore,
  maxAbsScore,
  mix,
  rgbToHex,
  scoreColor,
  textColorOn,
} from "./palette.ts";
import { escapeXml } from "./svg.ts";
import { displayUnits, type Level } from "./units.ts";

/** Options for {@link renderHtml}. */
export interface HtmlOptions {
  /** Return a `<figure>` with its `<style>` instead of a whole document. @default false */
  fragment?: boolean;
  /** Chips per token or per word. @default "token" */
  level?: Level;
  /** Predictions listed in the table. @default 5 */
  topK?: number;
}

const CSS = `
.gb{font-family:'DejaVu Sans',system-ui,sans-serif;color:#1a1a1a;background:#fff;max-width:60rem;margin:0;padding:1rem}
.gb figcaption{margin-bottom:.75rem}
.gb .gb-model{font-weight:bold;font-size:1.1rem;margin:0}
.gb .gb-meta{color:#4d4d4d;font-size:.9rem}
.gb .gb-text{line-height:2.4;margin:.5rem 0 1rem}
.gb .gb-t{position:relative;display:inline-block;padding:0 .3em;line-height:1.6;border-radius:3px;border:1px solid #b3b3b3;text-decoration-line:underline;text-decoration-thickness:2px;text-underline-offset:3px;white-space:pre}
.gb .gb-pos{text-decoration-style:solid}
.gb .gb-neg{text-decoration-style:dotted}
.gb .gb-zero{text-decoration-line:none}
.gb .gb-piece{margin-left:1px}
.gb .gb-special{font-style:italic;border-style:dashed}
.gb .gb-t:focus{outline:3px solid #1a1a1a;outline-offset:2px}
.gb .gb-t:hover::after,.gb .gb-t:focus::after{content:attr(data-score);position:absolute;left:50%;top:-1.7em;transform:translateX(-50%);background:#1a1a1a;color:#fff;font-size:.8rem;line-height:1.4;padding:0 .35em;border-radius:3px;font-style:normal;z-index:1;pointer-events:none}
.gb .gb-legend{display:flex;align-items:center;gap:.5rem;font-size:.85rem;color:#4d4d4d;flex-wrap:wrap}
.gb .gb-scale{display:inline-block;width:12rem;height:.8rem;border:1px solid #b3b3b3;background:linear-gradient(to right,${
  BURD_STOPS.join(",")
})}
.gb table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}
.gb caption{text-align:left;font-weight:bold;padding-bottom:.25rem}
.gb th,.gb td{padding:.15rem .75rem .15rem 0;text-align:left}
.gb .gb-num{text-align:right;font-variant-numeric:tabular-nums}
.gb .gb-diag{font-size:.8rem;color:#4d4d4d}
`.trim();

function fmtProb(p: number): string {
  return p.toFixed(3);
}

function direction(score: number): string {
  return score > 0 ? "toward the target" : score < 0 ? "against the target" : "neutral";
}

/**
 * Renders an explanation as accessible HTML: the text as focusable coloured token chips, a legend,
 * the top-k predictions as a table and the method's diagnostics.
 *
 * @param explanation The explanation to render.
 * @param options `fragment` for a `<figure>` to embed, `level`, `topK`.
 * @returns An HTML document (or fragment) with inline CSS and no external assets.
 * @example Usage
 * ```ts ignore
 * import { renderHtml } from "@glassbox/render";
 * await Deno.writeTextFile("why.html", renderHtml(explanation));
 * ```
 */
export function renderHtml(explanation: Explanation, options: HtmlOptions = {}): string {
  const e = explanation;
  const units = displayUnits(e, options.level ?? "token");
  const maxAbs = maxAbsScore(units.map((u) => u.score));
  // A causal LM's labels are token strings: quoted, so "." and " the" read as tokens.
  const quote = (label: string) =>
    escapeXml(e.model.task === "text-generation" ? JSON.stringify(label) : label);
  const target = quote(e.target.label);
  const contrast = e.contrast
    ? ` rather than <strong>${quote(e.contrast.label)}</strong> (p = ${
      fmtProb(e.contrast.probability)
    })`
    : "";
  const chips = units.map((u, i) => {
    const color = scoreColor(u.score, maxAbs);
    const fill = u.special ? mix(color, { r: 255, g: 255, b: 255 }, 0.65) : color;
    const ink = u.special ? "#404040" : textColorOn(fill);
    const score = formatScore(u.score);
    const sign = u.score > 0 ? "gb-pos" : u.score < 0 ? "gb-neg" : "gb-zero";
    const classes = [
      "gb-t",
      sign,
      u.special ? "gb-special" : "",
      !u.spaceBefore && i > 0 ? "gb-piece" : "",
    ]
      .filter(Boolean).join(" ");
    const kind = u.special ? "special token" : options.level === "word" ? "word" : "token";
    const label = `${kind} ${u.label}, score ${score}, ${direction(u.score)}`;
    const hex = rgbToHex(fill);
    const chip =
      `<span class="${classes}" role="img" tabindex="0" style="background:${hex};color:${ink}" ` +
      `title="${escapeXml(`${u.label}: ${score}`)}" aria-label="${escapeXml(label)}" ` +
      `data-score="${score}">${escapeXml(u.label)}</span>`;
    return (i > 0 && u.spaceBefore ? " " : "") + chip;
  }).join("");
  const rows = e.predictions.slice(0, options.topK ?? 5).map((p) => {
    const role = p.id === e.target.id ? " (target)" : p.id === e.contrast?.id ? " (contrast)" : "";
    return `<tr><td>${escapeXml(JSON.stringify(p.label))}${role}</td>` +
      `<td class="gb-num">${fmtProb(p.probability)}</td><td class="gb-num">${
        p.logit.toFixed(3)
      }</td></tr>`;
  }).join("");
  const d = e.diagnostics;
  const diag = [
    `${d.elapsedMs.toFixed(1)} ms`,
    `${d.forwardPasses} forward / ${d.backwardPasses} backward passes`,
    `backend ${escapeXml(String(d.backend))}`,
    d.convergenceDelta !== undefined
      ? `convergence delta ${d.convergenceDelta.toPrecision(3)}`
      : "",
  ].filter(Boolean).join(" · ");
  const notices = (d.notices ?? []).map((n) => `<p class="gb-diag">Notice: ${escapeXml(n)}</p>`)
    .join("");
  // A whole document needs a top-level heading; a fragment must not impose one on its page.
  const heading = options.fragment ? "div" : "h1";
  const figure = `<figure class="gb">
<figcaption><${heading} class="gb-model">${escapeXml(e.model.id)}</${heading}>
<div class="gb-meta">method ${escapeXml(e.method.id)}, output ${escapeXml(e.method.output)}</div>
<div>Why <strong>${target}</strong> (p = ${
    fmtProb(e.target.probability)
  })${contrast}</div></figcaption>
<p class="gb-legend"><span>against the target −${
    formatScore(maxAbs).replace(/^[+-]/, "")
  }</span><span class="gb-scale" aria-hidden="true"></span><span>+${
    formatScore(maxAbs).replace(/^[+-]/, "")
  } toward the target</span><span>(solid underline: toward, dotted: against; focus or hover a token for its score)</span></p>
<p class="gb-text">${chips}</p>
${
    rows
      ? `<table><caption>Top predictions</caption><thead><tr><th scope="col">label</th><th scope="col" class="gb-num">probability</th><th scope="col" class="gb-num">logit</th></tr></thead><tbody>${rows}</tbody></table>`
      : ""
  }
<p class="gb-diag">${diag}</p>${notices}
</figure>`;
  if (options.fragment) return `<style>${CSS}</style>\n${figure}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(`${e.method.id}: why ${e.target.label} (${e.model.id})`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${figure}
</main>
</body>
</html>
`;
}
