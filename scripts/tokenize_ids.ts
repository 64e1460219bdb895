/**
 * Tokenizes texts with @huggingface/tokenizers exactly as the glassbox runtime will, so that the
 * Python scripts (make_fixtures.py, train_models.py) compute their references on the same ids.
 *
 * Usage: `echo '["text", ...]' | npx deno run -A scripts/tokenize_ids.ts MODEL_DIR`
 * prints `[{ "ids": [...], "tokens": [...] }, ...]`, one entry per text.
 */
import { Tokenizer } from "@huggingface/tokenizers";

const dir = Deno.args[0];
if (!dir) {
  console.error("usage: tokenize_ids.ts MODEL_DIR < texts.json");
  Deno.exit(2);
}
const readJson = async (name: string) => JSON.parse(await Deno.readTextFile(`${dir}/${name}`));
const tokenizer = new Tokenizer(
  await readJson("tokenizer.json"),
  await readJson("tokenizer_config.json"),
);
const texts: unknown = JSON.parse(await new Response(Deno.stdin.readable).text());
if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string")) {
  console.error("tokenize_ids.ts: stdin must be a JSON array of strings");
  Deno.exit(2);
}
const encoded = texts.map((text) => {
  const { ids, tokens } = tokenizer.encode(text);
  return { ids, tokens };
});
console.log(JSON.stringify(encoded));
