import assert from "node:assert/strict";
import { parseModels, readConfig } from "./config.ts";

Deno.test("readConfig: token from DISCORD_TOKEN, defaults for the rest", () => {
  assert.deepEqual(readConfig({ DISCORD_TOKEN: " abc " }), {
    token: "abc",
    apiBase: undefined,
    models: { "distilbert-sentiment": "distilbert-sentiment", "gpt2-tiny": "gpt2-tiny" },
    cooldownSeconds: 10,
    queueCapacity: 20,
    timeoutSeconds: 60,
  });
  assert.throws(() => readConfig({}), {
    name: "TypeError",
    message: "DISCORD_TOKEN is not set: put the bot token from the Discord developer portal in it",
  });
  assert.throws(() => readConfig({ DISCORD_TOKEN: "t", BOT_COOLDOWN_SECONDS: "soon" }), {
    name: "RangeError",
    message: 'BOT_COOLDOWN_SECONDS must be a number >= 0, got "soon"',
  });
});

Deno.test("parseModels: names and id=source pairs", () => {
  assert.deepEqual(parseModels("gpt2-tiny, mine=/srv/m"), {
    "gpt2-tiny": "gpt2-tiny",
    mine: "/srv/m",
  });
  assert.throws(() => parseModels("=x"), {
    message: 'GLASSBOX_BOT_MODELS entry "=x" must be NAME or ID=DIR_OR_URL',
  });
  assert.throws(() => parseModels(" , "), {
    message: "GLASSBOX_BOT_MODELS lists no model; give NAME or ID=DIR_OR_URL entries",
  });
});
