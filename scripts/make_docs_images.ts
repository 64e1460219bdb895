/**
 * Regenerates the example pictures in docs/images/ from real explanations of the bundled models,
 * computed by the CLI (`deno run -A apps/cli/main.ts --format json ...`), and rendered with
 * packages/render. When the CLI cannot explain a case (a model not built yet, a method missing),
 * the matching hand-made fixture from packages/render/testdata/fixtures.ts is drawn instead and
 * the index says so; `--fixtures` draws only fixtures.
 *
 *     npx deno run -A scripts/make_docs_images.ts [--fixtures]
 *
 * Writes docs/images/*.png (2x scale) and docs/images/index.md (what each picture shows and how
 * it was made).
 *
 * @module
 */

import type { Explanation } from "@glassbox/core/explanation";
import {
  initRenderer,
  type PngOptions,
  renderComparisonSvg,
  renderPng,
  svgToPng,
} from "@glassbox/render";
import * as fixtures from "../packages/render/testdata/fixtures.ts";

const ROOT = new URL("../", import.meta.url);
const OUT = new URL("docs/images/", ROOT);
const SCALE = 2;
const LONG_TEXT = Array.from(
  { length: 4 }, // about 120 GPT-2 tokens: gpt2-tiny takes at most 128
  () =>
    "Interpretability methods attribute a model's prediction to its input tokens, so that people " +
    "can see which words pushed the output up and which pushed it down.",
).join(" ");

interface Case {
  file: string;
  what: string;
  model: string;
  method: string;
  text: string;
  extra?: string[];
  options?: PngOptions;
  fixture: () => Explanation;
}

const CASES: Case[] = [
  {
    file: "english.png",
    what: "English sentiment, token level, with [CLS]/[SEP] dimmed",
    model: "models/distilbert-sentiment",
    method: "integrated-gradients",
    text: "The movie wasn't bad at all, a genuinely fun ride!",
    fixture: fixtures.english,
  },
  {
    file: "english_words.png",
    what: "word level: subword pieces merged, scores summed",
    model: "models/distilbert-sentiment",
    method: "integrated-gradients",
    text: "The cinematography was breathtakingly unconventional, the plot unbelievably dull.",
    options: { level: "word" },
    fixture: fixtures.english,
  },
  {
    file: "chinese.png",
    what: "Chinese text (CJK font subset)",
    model: "models/distilbert-sentiment",
    method: "integrated-gradients",
    text: "这部电影真的很好看，我非常喜欢！",
    fixture: fixtures.chinese,
  },
  {
    file: "mixed_emoji.png",
    what: "Chinese, English and an emoji through GPT-2's byte-level tokens",
    model: "models/gpt2-tiny",
    method: "integrated-gradients",
    text: "我们 love 可解释性 🙂 models",
    fixture: fixtures.mixedEmoji,
  },
  {
    file: "long_text.png",
    what: "a long text cut after 4 lines with a notice",
    model: "models/gpt2-tiny",
    method: "gradient-x-input",
    text: LONG_TEXT,
    options: { maxLines: 4 },
    fixture: () => fixtures.longText(200),
  },
  {
    file: "one_token.png",
    what: "a one-token text",
    model: "models/gpt2-tiny",
    method: "integrated-gradients",
    text: "Hi",
    fixture: fixtures.oneToken,
  },
  {
    file: "attention.png",
    what: "attention rollout with the token x token heatmap",
    model: "models/distilbert-sentiment",
    method: "attention-rollout",
    text: "The movie wasn't bad at all, a genuinely fun ride!",
    fixture: fixtures.englishWithAttention,
  },
];

const COMPARISON_METHODS = ["integrated-gradients", "gradient-x-input", "saliency", "occlusion"];

/** Runs the CLI for one explanation; returns the error message when it cannot. */
async function explain(
  model: string,
  method: string,
  text: string,
  extra: string[] = [],
): Promise<Explanation | string> {
  const cli = new URL("apps/cli/main.ts", ROOT);
  const args = ["run", "-A", cli.pathname, "--model", model, "--method", method];
  const command = new Deno.Command(Deno.execPath(), {
    args: [...args, ...extra, "--format", "json", text],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await command.output();
  if (code !== 0) {
    const message = new TextDecoder().decode(stderr).trim().split("\n").pop() ?? `exit ${code}`;
    return message.replaceAll(ROOT.pathname, "");
  }
  return JSON.parse(new TextDecoder().decode(stdout)) as Explanation;
}

function commandLine(model: string, method: string, text: string, extra: string[] = []): string {
  return `npx deno task explain --model ${model} --method ${method} ${extra.join(" ")} ${
    JSON.stringify(text)
  }`.replace(/ +/g, " ");
}

async function main() {
  const onlyFixtures = Deno.args.includes("--fixtures");
  await initRenderer();
  await Deno.mkdir(OUT, { recursive: true });
  const index = [
    "# Example pictures",
    "",
    "Made by `npx deno run -A scripts/make_docs_images.ts` (packages/render, 2x scale).",
    "",
    "| picture | what | source |",
    "| --- | --- | --- |",
  ];
  for (const c of CASES) {
    const real = onlyFixtures
      ? "--fixtures given"
      : await explain(c.model, c.method, c.text, c.extra);
    const fromCli = typeof real !== "string";
    const explanation = fromCli ? real : c.fixture();
    await Deno.writeFile(
      new URL(c.file, OUT),
      await renderPng(explanation, { scale: SCALE, ...c.options }),
    );
    const source = fromCli
      ? `\`${commandLine(c.model, c.method, c.text, c.extra)}\``
      : `hand-made fixture (${real})`;
    console.log(`${c.file}: ${fromCli ? "CLI" : "fixture"}${fromCli ? "" : ` (${real})`}`);
    index.push(`| [${c.file}](${c.file}) | ${c.what} | ${source.replace(/\|/g, "\\|")} |`);
  }
  const text = CASES[0].text;
  const compared: Explanation[] = [];
  let why = "";
  for (const method of onlyFixtures ? [] : COMPARISON_METHODS) {
    const e = await explain("models/distilbert-sentiment", method, text);
    if (typeof e === "string") {
      why = `${method}: ${e}`;
      break;
    }
    compared.push(e);
  }
  if (compared.length < COMPARISON_METHODS.length) {
    compared.length = 0;
    for (const [i, method] of COMPARISON_METHODS.entries()) {
      const e = fixtures.english();
      e.method.id = method;
      // Illustrative variations of the fixture's scores, one per method.
      e.scores = e.scores.map((s, t) =>
        i === 2 ? Math.abs(s) : s * (1 - 0.2 * i) + 0.03 * i * Math.sin(t)
      );
      compared.push(e);
    }
  }
  const svg = renderComparisonSvg(compared, { width: 1000 });
  await Deno.writeFile(new URL("comparison.png", OUT), await svgToPng(svg, SCALE));
  const source = why || onlyFixtures
    ? `hand-made fixture with illustrative scores (${why || "--fixtures given"})`
    : `\`${commandLine("models/distilbert-sentiment", COMPARISON_METHODS.join("\\|"), text)}\``;
  console.log(`comparison.png: ${why || onlyFixtures ? "fixture" : "CLI"}`);
  index.push(
    `| [comparison.png](comparison.png) | one row per method, each scaled to its own max | ${source} |`,
  );
  const indexFile = new URL("index.md", OUT);
  await Deno.writeTextFile(indexFile, index.join("\n") + "\n");
  // Keep the table in the repository's format so `deno fmt --check` passes.
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", indexFile.pathname] }).output();
}

await main();
