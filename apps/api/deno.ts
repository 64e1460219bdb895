/**
 * The API on Deno: `deno task start` (and `npm start`) runs this file. Port from `PORT` (8787),
 * settings from the environment (see `config.ts`), the bundled models loaded at start.
 *
 * @module
 */
import { getConnInfo } from "hono/deno";
import { loadModel, warmUp } from "@glassbox/core";
import { discordInteractions } from "../discord-bot/interactions.ts";
import { createApp } from "./app.ts";
import { clientKey, configFromEnv } from "./config.ts";
import { directoryUrl, openModelFile, widgetFiles } from "./static_files.ts";

const config = configFromEnv((name) => Deno.env.get(name));
const app = createApp({
  ...config.options,
  preload: true,
  // A model counts as ready once its gradient and tapped graphs are built too (GLASSBOX_WARMUP=off
  // skips that), so the first explanation a user asks for is as fast as the rest.
  loadModel: async (id) => {
    const model = await loadModel(
      config.modelsDir ? new URL(`${id}/`, directoryUrl(config.modelsDir)) : id,
      {
        backend: config.backend,
      },
    );
    if (Deno.env.get("GLASSBOX_WARMUP") !== "off") await warmUp(model);
    return model;
  },
  readStatic: widgetFiles(new URL("../../", import.meta.url)),
  modelFile: openModelFile,
  clientKey: clientKey(config, (c) => getConnInfo(c).remote.address),
  discord: config.discord && ((shared) => discordInteractions({ ...config.discord!, ...shared })),
});

Deno.serve({
  port: config.port,
  hostname: config.host,
  onListen: ({ hostname, port }) => {
    const shown = hostname === "0.0.0.0" ? "localhost" : hostname;
    console.log(`glassbox API listening on http://${shown}:${port}/ (docs: /docs)`);
  },
}, app.fetch);
