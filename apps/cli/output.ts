/**
 * Writing the CLI's result in the chosen format, to stdout or `--out FILE`.
 *
 * @module
 */
import type { Explanation, PredictResult } from "@glassbox/core";
import type { CliArgs } from "./args.ts";
import { initRenderer, renderHtml, renderPng, renderSvg, renderText } from "@glassbox/render";

function isExplanation(value: Explanation | PredictResult): value is Explanation {
  return "scores" in value;
}

/** Renders and writes the result. */
export async function writeOutput(
  args: CliArgs,
  result: Explanation | PredictResult,
): Promise<void> {
  const toTerminal = !args.out && Deno.stdout.isTerminal();
  const level = args.words ? "word" as const : "token" as const;
  let bytes: Uint8Array;
  const encode = (s: string) => new TextEncoder().encode(s.endsWith("\n") ? s : s + "\n");
  if (args.format === "json") bytes = encode(JSON.stringify(result, null, 2));
  else if (!isExplanation(result)) {
    if (args.format !== "text") {
      throw new TypeError(`--predict prints text or json, not ${args.format}`);
    }
    bytes = encode(predictionTable(result));
  } else if (args.format === "text") {
    bytes = encode(renderText(result, { color: toTerminal, level, topK: args.topK }));
  } else if (args.format === "svg") {
    // Registering the fonts lets the layout measure text with real metrics.
    await initRenderer();
    bytes = encode(renderSvg(result, { level, topK: args.topK }));
  } else if (args.format === "html") bytes = encode(renderHtml(result, { level, topK: args.topK }));
  else {
    if (toTerminal) {
      throw new TypeError("--format png writes binary data: give --out FILE or redirect stdout");
    }
    bytes = await renderPng(result, { level, topK: args.topK });
  }
  if (args.out) await Deno.writeFile(args.out, bytes);
  else {
    for (let written = 0; written < bytes.length;) {
      written += await Deno.stdout.write(bytes.subarray(written));
    }
  }
}

/** The predictions of `--predict` as a plain table. */
function predictionTable(result: PredictResult): string {
  const rows = result.predictions.map((p) =>
    `  ${JSON.stringify(p.label).padEnd(24)} ${
      (100 * p.probability).toFixed(2).padStart(6)
    }%  logit ${p.logit.toFixed(3)}`
  );
  return [
    `${result.model.id} (${result.model.task}), ${result.tokens.length} tokens, entropy ${
      result.entropy.toFixed(3)
    } nats`,
    ...rows,
  ].join("\n");
}
