/**
 * Starts the API as real server processes for the end-to-end tests: Deno (`apps/api/deno.ts`),
 * Node (the esbuild bundle of `apps/api/node.ts`) and Cloudflare workerd (the Workers bundle and a
 * generated workerd config), each on a free port, waiting until `/readyz` answers 200.
 *
 * @module
 */
import assert from "node:assert/strict";
import { buildNode, buildWorker, writeWorkerdConfig } from "@glassbox/api/build";

const ROOT = new URL("../", import.meta.url);

/** A running server. */
export interface Server {
  origin: string;
  /** The server's process id (its resident memory is in `/proc/<pid>/status`). */
  pid: number;
  /** Everything the process wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  /** Sends the process a signal. */
  kill(signal: Deno.Signal): void;
  /** The process's exit. */
  status: Promise<Deno.CommandStatus>;
  stop(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function start(
  name: string,
  command: string,
  args: string[],
  port: number,
  env: Record<string, string>,
  ready = "/readyz",
): Promise<Server> {
  const child = new Deno.Command(command, {
    args,
    cwd: ROOT.pathname,
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "", out = "";
  const read = async (stream: ReadableStream<Uint8Array>, add: (text: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
  };
  const reading = Promise.all([
    read(child.stderr, (text) => (log += text)),
    read(child.stdout, (text) => (out += text)),
  ]);
  const origin = `http://127.0.0.1:${port}`;
  const server: Server = {
    origin,
    pid: child.pid,
    stderr: () => log,
    stdout: () => out,
    kill: (signal) => child.kill(signal),
    status: child.status,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
      await reading;
    },
  };
  // Generous: model loading on a machine shared with other jobs.
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const response = await fetch(origin + ready);
      await response.body?.cancel();
      if (response.ok) return server;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${name} API did not become ready in 180 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The bundled models, both served. */
export const MODELS = ["distilbert-sentiment", "gpt2-tiny"];

/** Settings shared by every runtime: the bundled models, wasm backend, no rate limit. */
const COMMON_ENV = {
  GLASSBOX_MODELS: MODELS.join(","),
  GLASSBOX_BACKEND: "web",
  GLASSBOX_RATE_LIMIT: "off",
  GLASSBOX_WARMUP: "off",
};

/**
 * Starts `apps/api/deno.ts`.
 *
 * @param env Settings over the common ones.
 * @param ready The path that must answer 200 before the server counts as started (`/healthz` for a
 *   server whose models cannot load).
 */
export function startDeno(env: Record<string, string> = {}, ready = "/readyz"): Promise<Server> {
  const port = freePort();
  return start("Deno", Deno.execPath(), ["run", "-A", "apps/api/deno.ts"], port, {
    ...COMMON_ENV,
    HOST: "127.0.0.1",
    PORT: String(port),
    ...env,
  }, ready);
}

/** Builds and starts the Node entry. */
export async function startNode(): Promise<Server> {
  const bundle = await buildNode();
  const port = freePort();
  return start("Node", "node", [bundle], port, {
    ...COMMON_ENV,
    HOST: "127.0.0.1",
    PORT: String(port),
  });
}

/**
 * Builds the Workers bundle and serves it with the npm `workerd` binary.
 *
 * @param vars Worker variables over the common ones.
 */
export async function startWorkerd(vars: Record<string, string> = {}): Promise<Server> {
  const { dir } = await buildWorker();
  const port = freePort();
  const config = await writeWorkerdConfig({
    dir,
    port,
    modelsDir: new URL("models/", ROOT).pathname,
    vars: { GLASSBOX_MODELS: COMMON_ENV.GLASSBOX_MODELS, GLASSBOX_RATE_LIMIT: "off", ...vars },
  });
  // The platform binary itself, not npm's wrapper script, so that stopping it stops the server.
  const platform = `${Deno.build.os === "windows" ? "windows" : Deno.build.os}-${
    Deno.build.arch === "aarch64" ? "arm64" : "64"
  }`;
  const workerd = new URL(`node_modules/@cloudflare/workerd-${platform}/bin/workerd`, ROOT);
  return start("workerd", workerd.pathname, ["serve", config], port, {});
}

/**
 * Starts a long streamed explanation (integrated gradients, 1024 steps), disconnects after the
 * first progress event, and waits until the server has cancelled the computation and freed its
 * slot (`glassbox_cancelled_total` 1, `glassbox_running` 0); then a new request must succeed.
 */
export async function expectCancelledOnDisconnect(server: Server): Promise<void> {
  const controller = new AbortController();
  const response = await fetch(`${server.origin}/v1/explain/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      text: "great ".repeat(60),
      method: "integrated-gradients",
      params: { steps: 1024 },
    }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /^event: progress\n/);
  controller.abort();
  await reader.closed.catch(() => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    const metrics = await (await fetch(`${server.origin}/metrics`)).text();
    if (/^glassbox_cancelled_total 1$/m.test(metrics) && /^glassbox_running 0$/m.test(metrics)) {
      break;
    }
    assert.ok(Date.now() < deadline, `computation not cancelled:\n${metrics}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const after = await fetch(`${server.origin}/v1/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"text": "still serving"}',
  });
  assert.equal(after.status, 200);
  await after.body?.cancel();
}
