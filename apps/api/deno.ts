/**
 * The API on Deno: `deno task start` (and `npm start`) runs this file. Port from `PORT` (8787),
 * settings from the environment (see `config.ts`), the bundled models loaded at start. On SIGTERM
 * it stops taking requests (new ones get 503 `not_ready` and a closed connection), lets in-flight
 * requests finish for up to `GLASSBOX_SHUTDOWN_MS`, cancels what is left by exiting, and exits 0
 * either way.
 *
 * @module
 */
import { getConnInfo } from "hono/deno";
import { loadModel, warmUp } from "@glassbox/core";
import { discordInteractions } from "@glassbox/discord-bot/interactions";
import { createApp } from "./app.ts";
import { clientKey, configFromEnv } from "./config.ts";
import { ApiError } from "./middleware/errors.ts";
import { InFlight } from "./response_end.ts";
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

// Deno's own shutdown cuts request bodies still arriving and does not wait for streamed answers:
// drain first (new requests get 503 and a closed connection), then shut the listener.
const inFlight = new InFlight(() =>
  Response.json(
    new ApiError("not_ready", "The server is shutting down; retry on another instance").toBody(),
    { status: 503, headers: { connection: "close", "retry-after": "1" } },
  )
);
const server = Deno.serve({
  port: config.port,
  hostname: config.host,
  onListen: ({ hostname, port }) => {
    const shown = hostname === "0.0.0.0" ? "localhost" : hostname;
    console.log(`glassbox API listening on http://${shown}:${port}/ (docs: /docs)`);
  },
}, inFlight.track(app.fetch));

Deno.addSignalListener("SIGTERM", () => {
  console.log(`SIGTERM: finishing in-flight requests (up to ${config.shutdownMs} ms)`);
  const cancel = setTimeout(() => {
    console.log("Shutdown deadline passed: cancelling the requests still running");
    Deno.exit(0);
  }, config.shutdownMs);
  inFlight.drain().then(() => server.shutdown()).then(() => {
    clearTimeout(cancel);
    Deno.exit(0);
  });
});
