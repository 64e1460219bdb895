/**
 * Runs the glassbox Discord bot over the gateway: `deno task bot` (in apps/discord-bot) with
 * `DISCORD_TOKEN` set. The gateway connection lives on this thread; explanations are computed in a
 * worker thread. See README.md for the other settings and for registering the commands first.
 *
 * @module
 */
import process from "node:process";
import { Responder } from "./answer.ts";
import { startBot } from "./bot.ts";
import { readConfig } from "./config.ts";
import { workerCompute } from "./worker_compute.ts";

let config;
try {
  config = readConfig(Deno.env.toObject());
} catch (error) {
  console.error(`discord-bot: ${(error as Error).message}`);
  Deno.exit(2);
}

const models = Object.keys(config.models);
const worker = workerCompute({
  models: config.models,
  timeoutSeconds: config.timeoutSeconds,
  onWarm: (error) =>
    console.log(
      error ? `discord-bot: warm-up failed: ${error}` : `Model ${models[0]} and renderer loaded`,
    ),
});
const responder = new Responder({
  models,
  compute: worker.compute,
  cooldownSeconds: config.cooldownSeconds,
  queueCapacity: config.queueCapacity,
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

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await client.destroy();
    worker.close();
    Deno.exit(0);
  });
}
