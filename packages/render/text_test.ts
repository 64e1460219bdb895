import assert from "node:assert/strict";
import { columns, renderText } from "./text.ts";
import { english, longText, mixedEmoji } from "./testdata/fixtures.ts";

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

Deno.test("plain text carries each token's signed score", () => {
  const out = renderText(mixedEmoji(), { color: false });
  assert.ok(
    out.includes(
      "我们(+0.12) love(+0.85) 可(-0.20) 解释(+0.40) 性(+0.050) 🙂(-0.60) models(+0.30)",
    ),
  );
  assert.ok(!out.includes("\x1b["), "no escape codes without colour");
  assert.ok(!out.includes("Ġ"));
});

Deno.test("colour uses 24-bit backgrounds from the palette and readable foregrounds", () => {
  const out = renderText(english(), { color: true });
  // "fun" has the largest score: the darkest red stop, with white text.
  assert.ok(out.includes("\x1b[48;2;178;24;43m\x1b[38;2;255;255;255m fun \x1b[0m"));
  assert.ok(out.includes("red pushes toward the target, blue against"));
});

Deno.test("top-k table, method line and diagnostics", () => {
  const e = english();
  e.diagnostics.notices = ["text truncated to 512 tokens"];
  const lines = renderText(e, { color: false, width: 120 }).split("\n");
  assert.ok(lines.includes("label       probability     logit"));
  assert.ok(lines.includes('"POSITIVE"       0.9340     1.520  <- target'));
  assert.ok(lines.includes('"NEGATIVE"       0.0660    -1.130  <- contrast'));
  assert.ok(lines.includes(
    'method: integrated-gradients (output: logit) steps=50 integration="gauss-legendre" baseline="zero"',
  ));
  assert.ok(lines.includes(
    "diagnostics: 123.4 ms, 1 forward / 50 backward passes, backend onnxruntime-node, convergence delta 0.00310",
  ));
  assert.ok(lines.includes("notice: text truncated to 512 tokens"));
  const narrow = renderText(e, { color: false, width: 40 }).split("\n");
  assert.ok(narrow.includes("diagnostics: 123.4 ms, 1 forward / 50"));
  assert.ok(narrow.includes("  backward passes, backend"));
});

Deno.test("token lines wrap to the width, counting wide characters as 2 columns", () => {
  assert.equal(columns("我们 ok🙂"), 9);
  for (const color of [true, false]) {
    const out = renderText(longText(120), { color, width: 40 });
    const lines = out.split("\n").map((l) => l.replace(ANSI, ""));
    const tokenLines = lines.slice(
      lines.indexOf("") + 1,
      lines.findIndex((l) => l.startsWith("scale:")),
    );
    assert.ok(tokenLines.length > 10);
    // Everything but the top-k table keeps to the width.
    for (const line of lines.filter((l) => !/^("|label)/.test(l))) {
      assert.ok(columns(line) <= 40, line);
    }
  }
  const narrow = renderText(mixedEmoji(), { color: false, width: 20 }).split("\n");
  const chips = narrow.slice(
    narrow.indexOf("") + 1,
    narrow.findIndex((l) => l.startsWith("scale:")),
  );
  // 🙂 is 2 columns wide: "性(+0.050) 🙂(-0.60)" is exactly 20.
  assert.deepEqual(chips, [
    "我们(+0.12)",
    "love(+0.85)",
    "可(-0.20)",
    "解释(+0.40)",
    "性(+0.050) 🙂(-0.60)",
    "models(+0.30)",
  ]);
  assert.throws(() => renderText(english(), { color: false, width: 5 }), {
    name: "RangeError",
    message: 'Cannot render text: "width" must be an integer >= 20 columns, current value is 5',
  });
});
