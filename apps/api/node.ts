/**
 * The API on Node through @hono/node-server. Node 20 cannot run TypeScript, so `build.ts` bundles
 * this file with esbuild to `apps/api/dist/node.mjs` (npm packages stay external and load from
 * `node_modules`); run `deno task build:node` in apps/api, then `node apps/api/dist/node.mjs` from
 * the repository root. Settings as for Deno (see `config.ts`).
 *
 * @module
 */
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { loadModel, useKernels } from "@glassbox/core";
import { initRenderer } from "@glassbox/render";
import { loadDefaultAssets } from "@glassbox/render/default_assets";
import { createKernels } from "@glassbox/wasm";
import { readFile } from "node:fs/promises";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { discordInteractions } from "@glassbox/discord-bot/interactions";
import { createApp } from "./app.ts";
import { clientKey, configFromEnv } from "./config.ts";
import { directoryUrl, openModelFile, widgetFiles } from "./static_files.ts";

// The bundle does not sit where the sources do, so files are found from the working directory,
// which is the repository root when started as documented.
const root = pathToFileURL(process.cwd() + "/");
const config = configFromEnv((name) => process.env[name]);
// Core finds its kernels next to its own sources, which the bundle does not have; Node 20's V8
// always has wasm SIMD.
useKernels(readFile(new URL("wasm/build/kernels.simd.wasm", root)).then(createKernels));
const app = createApp({
  ...config.options,
  preload: true,
  loadModel: (id) =>
    loadModel(
      new URL(
        `${id}/`,
        config.modelsDir ? directoryUrl(config.modelsDir) : new URL("models/", root),
      ),
      {
        backend: config.backend,
      },
    ),
  initRenderer: async () => initRenderer(await loadDefaultAssets()),
  readStatic: widgetFiles(root),
  modelFile: openModelFile,
  clientKey: clientKey(config, (c) => getConnInfo(c).remote.address),
  discord: config.discord && ((shared) => discordInteractions({ ...config.discord!, ...shared })),
});

const server = serve(
  { fetch: app.fetch, port: config.port, hostname: config.host },
  ({ port }) => {
    console.log(`glassbox API (Node) listening on http://localhost:${port}/ (docs: /docs)`);
  },
);

// As on Deno: stop accepting, let in-flight requests finish within the deadline, exit 0.
process.on("SIGTERM", () => {
  console.log(`SIGTERM: finishing in-flight requests (up to ${config.shutdownMs} ms)`);
  setTimeout(() => {
    console.log("Shutdown deadline passed: cancelling the requests still running");
    process.exit(0);
  }, config.shutdownMs).unref();
  server.close(() => process.exit(0));
  if ("closeIdleConnections" in server) server.closeIdleConnections();
});
