import assert from "node:assert/strict";
import { renderHtml } from "./html.ts";
import { contrastRatio, hexToRgb } from "./palette.ts";
import { english, markup, mixedEmoji } from "./testdata/fixtures.ts";

const TOKEN =
  /<span class="([^"]*)" role="img" tabindex="0" style="background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})" title="([^"]*)" aria-label="([^"]*)" data-score="([^"]*)">([^<]*)<\/span>/g;

Deno.test("every token is focusable with its text and signed score in title and aria-label", () => {
  const html = renderHtml(mixedEmoji());
  const tokens = [...html.matchAll(TOKEN)];
  assert.equal(tokens.length, 7);
  const love = tokens[1];
  assert.equal(love[7], "love");
  assert.equal(love[4], "love: +0.85");
  assert.equal(love[5], "token love, score +0.85, toward the target");
  assert.equal(love[6], "+0.85");
  assert.ok(love[1].includes("gb-pos"));
  const smile = tokens[5];
  assert.equal(smile[5], "token 🙂, score -0.60, against the target");
  assert.ok(smile[1].includes("gb-neg"), "the sign has an underline style, not only a colour");
  assert.ok(!html.includes("Ġ"));
});

Deno.test("text on every chip contrasts >= 4.5:1", () => {
  for (const e of [english(), mixedEmoji(), markup()]) {
    for (const m of renderHtml(e).matchAll(TOKEN)) {
      const ratio = contrastRatio(hexToRgb(m[2]), hexToRgb(m[3]));
      assert.ok(ratio >= 4.5, `${m[7]}: ${ratio.toFixed(2)}`);
    }
  }
});

Deno.test("self-contained: inline CSS, no scripts, no external assets; user text escaped", () => {
  const html = renderHtml(markup());
  assert.ok(html.startsWith("<!doctype html>"));
  assert.ok(!/<script|<link|<img|src=|href=|url\(|@import/i.test(html));
  assert.ok(html.includes(">&lt;script&gt;</span>"));
  assert.ok(html.includes('aria-label="token &amp;, score +0.90, toward the target"'));
  const fragment = renderHtml(english(), { fragment: true });
  assert.ok(fragment.startsWith("<style>") && fragment.trimEnd().endsWith("</figure>"));
  assert.ok(!fragment.includes("<html"));
});

Deno.test("special tokens are marked, predictions are a table with a caption", () => {
  const html = renderHtml(english());
  assert.ok(html.includes('aria-label="special token [CLS], score +0.020, toward the target"'));
  assert.ok(html.includes("<caption>Top predictions</caption>"));
  assert.ok(html.includes('<td>&quot;POSITIVE&quot; (target)</td><td class="gb-num">0.934</td>'));
  assert.ok(html.includes("rather than <strong>NEGATIVE</strong> (p = 0.066)"));
  assert.ok(html.includes("convergence delta 0.00310"));
  const words = [...renderHtml(english(), { level: "word" }).matchAll(TOKEN)].map((m) => m[7]);
  assert.ok(words.includes("genuinely") && !words.includes("genuine"));
});
