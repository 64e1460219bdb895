import assert from "node:assert/strict";
import { loadDefaultAssets } from "./default_assets.ts";
import { registerFonts } from "./fonts.ts";
import { layoutComparison, layoutExplanation } from "./layout.ts";
import { renderComparisonSvg, renderSvg } from "./svg.ts";
import {
  english,
  englishWithAttention,
  longText,
  markup,
  mixedEmoji,
  oneToken,
} from "./testdata/fixtures.ts";

const chain = registerFonts((await loadDefaultAssets()).fonts);

/**
 * Checks what an XML parser would reject in the markup we write: every `<` opens a well-formed
 * tag, tags nest and close, attribute values are quoted, every `&` starts a known entity.
 */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  for (let i = 0; i < xml.length;) {
    if (xml[i] === "&") {
      assert.match(xml.slice(i, i + 8), /^&(amp|lt|gt|quot|#39);/, `bad entity at ${i}`);
      i++;
    } else if (xml[i] === "<") {
      tag.lastIndex = i;
      const m = tag.exec(xml);
      assert.ok(m, `malformed tag at ${i}: ${xml.slice(i, i + 40)}`);
      const [all, close, name, , selfClose] = m;
      if (close) assert.equal(stack.pop(), name, `unbalanced </${name}> at ${i}`);
      else if (!selfClose) stack.push(name);
      i += all.length;
    } else {
      assert.ok(xml[i] !== ">", `stray > at ${i}`);
      i++;
    }
  }
  assert.deepEqual(stack, [], "unclosed tags");
}

Deno.test("user text is escaped: tokens <script> and & stay text", () => {
  const svg = renderSvg(markup());
  assertWellFormed(svg);
  assert.ok(!svg.includes("<script"), "no raw <script>");
  assert.ok(svg.includes(">&lt;script&gt;</text>"));
  assert.ok(svg.includes(">&amp;</text>"));
  assert.ok(svg.includes("&lt;b&gt;&amp;amp; (target)"), "prediction labels are escaped too");
  assert.ok(svg.includes("&#39;quotes&#39;"));
});

Deno.test("lone surrogates and control characters become U+FFFD", () => {
  const e = oneToken();
  e.text = "a\ud83d\u0001";
  e.tokens = [{ id: 1, text: "x", start: 0, end: 3, special: false }];
  const svg = renderSvg(e);
  assertWellFormed(svg);
  assert.ok(!/[\ud800-\udfff]/.test(svg.replace(/[\ud800-\udbff][\udc00-\udfff]/g, "")));
  assert.ok(svg.includes("a\ufffd\ufffd"));
});

Deno.test("chips are as wide as the measured text plus padding, and wrap to the width", () => {
  for (const width of [800, 400]) {
    const layout = layoutExplanation(mixedEmoji(), { width });
    assert.equal(layout.chips.length, 7);
    for (const chip of layout.chips) {
      assert.ok(Math.abs(chip.width - (chain.measure(chip.label, 14) + 8)) < 1e-9, chip.label);
      assert.ok(chip.x >= 16 && chip.x + chip.width <= width - 16, `${chip.label} inside`);
    }
    assertWellFormed(renderSvg(mixedEmoji(), { width }));
  }
  const chips = layoutExplanation(english()).chips;
  // "wasn" "'" "t" are pieces of one word: 2 px apart. "The" -> "movie": a word gap.
  assert.equal(chips[4].x - (chips[3].x + chips[3].width), 2);
  assert.equal(chips[2].x - (chips[1].x + chips[1].width), 8);
});

Deno.test("a long text wraps and is cut after maxLines with a notice", () => {
  const e = longText(400);
  const layout = layoutExplanation(e, { maxLines: 5 });
  const rows = [...new Set(layout.chips.map((c) => c.y))];
  assert.equal(rows.length, 5);
  assert.equal(layout.hiddenUnits, 400 - layout.chips.length);
  assert.ok(layout.hiddenUnits > 300);
  const svg = renderSvg(e, { maxLines: 5 });
  assert.ok(svg.includes(`… ${layout.hiddenUnits} more tokens not shown`));
  assert.ok(layout.height < 400, `height ${layout.height}`);
  const full = layoutExplanation(e, { maxLines: 1000 });
  assert.equal(full.hiddenUnits, 0);
  assert.equal(full.chips.length, 400);
  assert.ok(!renderSvg(e, { maxLines: 1000 }).includes("not shown"));
});

Deno.test("header names model, method, target with probability, and contrast", () => {
  const svg = renderSvg(english());
  assert.ok(svg.includes(">models/distilbert-sentiment</text>"));
  assert.ok(svg.includes("method: integrated-gradients · output: logit"));
  assert.ok(svg.includes("target: POSITIVE (p = 0.934)  vs contrast: NEGATIVE (p = 0.066)"));
  assert.ok(svg.includes("POSITIVE (target)") && svg.includes("NEGATIVE (contrast)"));
  const sure = english();
  sure.target.probability = 0.99971;
  sure.contrast!.probability = 0.00029;
  assert.ok(
    renderSvg(sure).includes("target: POSITIVE (p &gt; 0.999)  vs contrast: NEGATIVE (p = 2.9e-4)"),
  );
  assert.ok(renderSvg(mixedEmoji()).includes("&quot; and&quot;</text>"), "space-led labels quoted");
});

Deno.test("CJK and emoji runs name their fallback fonts", () => {
  const svg = renderSvg(mixedEmoji());
  assert.ok(svg.includes(`<tspan font-family="'Droid Sans Fallback'">我们</tspan>`));
  assert.ok(svg.includes(`<tspan font-family="'Symbola'">🙂</tspan>`));
  // A character no font has is drawn as a dashed box, not an empty glyph.
  const e = oneToken();
  e.text = "\u{10FFFD}";
  e.tokens = [{ id: 1, text: "?", start: 0, end: 2, special: false }];
  const layout = layoutExplanation(e);
  const boxes = layout.items.filter((i) => i.kind === "rect" && i.dashed && i.fill === "none");
  assert.equal(boxes.length, 1);
});

Deno.test("one token, word level, attention heatmap and comparison", () => {
  assert.equal(layoutExplanation(oneToken()).chips.length, 1);
  const words = layoutExplanation(english(), { level: "word" }).chips.map((c) => c.label);
  assert.ok(words.includes("genuinely") && !words.includes("genuine"));
  const e = englishWithAttention();
  const cells = layoutExplanation(e).items.filter((i) =>
    i.kind === "rect" && i.title?.includes("->")
  );
  assert.equal(cells.length, 17 * 17);
  assert.equal(
    layoutExplanation(e, { attention: false }).items.filter((i) =>
      i.kind === "rect" && i.title?.includes("->")
    ).length,
    0,
  );
  const other = english();
  other.method.id = "occlusion";
  const compare = layoutComparison([english(), other]);
  assert.equal(compare.chips.length, 34);
  const svg = renderComparisonSvg([english(), other]);
  assertWellFormed(svg);
  assert.ok(svg.includes(">occlusion</text>") && svg.includes(">integrated-gradients</text>"));
  assert.throws(() => renderComparisonSvg([english(), oneToken()]), {
    name: "RangeError",
    message:
      "Cannot compare explanations: #1 explains a different text or tokenization than #0; all must share the text and tokens",
  });
});

Deno.test("bad options are clear errors", () => {
  assert.throws(() => renderSvg(english(), { width: 100 }), {
    name: "RangeError",
    message:
      'Cannot render explanation: "width" must be between 240 and 8000 px, current value is 100',
  });
  assert.throws(() => renderSvg(english(), { maxLines: 0 }), {
    message: 'Cannot render explanation: "maxLines" must be an integer >= 1, current value is 0',
  });
});

Deno.test("a token wider than the picture is cut with an ellipsis to fit", () => {
  const e = oneToken();
  e.text = "x".repeat(300);
  e.tokens = [{ id: 1, text: e.text, start: 0, end: 300, special: false }];
  const [chip] = layoutExplanation(e, { width: 400 }).chips;
  assert.ok(chip.label.endsWith("…") && chip.label.length < 100, chip.label);
  assert.ok(chip.x + chip.width <= 400 - 16);
  assert.ok(chip.width > 300, "and uses the width it has");
});
