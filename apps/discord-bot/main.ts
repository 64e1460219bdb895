/**
 * Runs the glassbox Discord bot over the gateway: `deno task bot` (from the repository root) with
 * `DISCORD_TOKEN` set. See README.md for the other settings and for registering the commands first.
 *
 * @module
 */
import process from "node:process";
import { initRenderer, renderPng } from "@glassbox/render";
import { Responder } from "./answer.ts";
import { startBot } from "./bot.ts";
import { cachedModelLoader, readConfig } from "./config.ts";

let config;
try {
  config = readConfig(Deno.env.toObject());
} catch (error) {
  console.error(`discord-bot: ${(error as Error).message}`);
  Deno.exit(2);
}

const loadModel = cachedModelLoader(config.models);
const models = Object.keys(config.models);
const responder = new Responder({
  models,
  loadModel,
  renderPng: (explanation) => renderPng(explanation),
  cooldownSeconds: config.cooldownSeconds,
  queueCapacity: config.queueCapacity,
  timeoutSeconds: config.timeoutSeconds,
});

process.on("unhandledRejection", (reason) => {
  console.error("discord-bot: unhandled rejection:", (reason as Error)?.message ?? reason);
});

const client = await startBot({ token: config.token, apiBase: config.apiBase, responder }).catch(
  (error) => {
    console.error(`discord-bot: cannot log in to Discord: ${error.message}`);
    Deno.exit(1);
  },
);
// Warm up after login so the first /explain does not pay for loading the model and the renderer.
await Promise.all([initRenderer(), loadModel(models[0])]).then(
  () => console.log(`Model ${models[0]} and renderer loaded`),
  (error) => console.error(`discord-bot: warm-up failed: ${error.message}`),
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await client.destroy();
    Deno.exit(0);
  });
}
