/**
 * The API's settings from environment variables, read the same way by every entry point (Deno and
 * Node read the process environment, workerd its `vars` bindings). A bad value stops the server at
 * start with a message naming the variable and what it accepts, rather than serving with a
 * surprising limit.
 *
 * | Variable | Meaning | Default |
 * |---|---|---|
 * | `PORT` | Port (Deno, Node) | 8787 |
 * | `HOST` | Interface (Deno, Node) | 0.0.0.0 |
 * | `GLASSBOX_MODELS` | Comma-separated model ids, default first | the bundled models |
 * | `GLASSBOX_MODELS_DIR` | Directory holding `<id>/config.json`... (Deno, Node) | `models/` |
 * | `GLASSBOX_BACKEND` | `node` (native onnxruntime) or `web` (wasm) | `node` (Deno, Node) |
 * | `GLASSBOX_MAX_BODY_BYTES` | Largest request body | 65536 |
 * | `GLASSBOX_TIMEOUT_MS` | Per-request time limit, body and queueing included | 30000 |
 * | `GLASSBOX_SHUTDOWN_MS` | On SIGTERM, how long in-flight requests may finish (Deno, Node) | 10000 |
 * | `GLASSBOX_CONCURRENCY` | Computations at once | 2 |
 * | `GLASSBOX_QUEUE_SIZE` | Requests waiting for a slot before 429 | 16 |
 * | `GLASSBOX_RATE_LIMIT` | `PER_SECOND/BURST` per client, or `off` | `10/20` |
 * | `GLASSBOX_DOWNLOADS` | Model-file downloads (`/models/*`) at once | 4 |
 * | `GLASSBOX_CLIENT_IP_HEADER` | Header with the client address, set by a trusted proxy | none |
 * | `GLASSBOX_TRUSTED_PROXIES` | Proxies in front that append to that header | 1 |
 * | `GLASSBOX_CORS_ORIGINS` | `*` or comma-separated origins | `*` |
 * | `DISCORD_PUBLIC_KEY`, `DISCORD_APPLICATION_ID` | Serve `POST /discord/interactions` | off |
 *
 * Rate limiting keys on the client's address. Without `GLASSBOX_CLIENT_IP_HEADER` that is the
 * connection's peer (Deno, Node) or, in workerd, which sees no peer, one bucket for everyone. Behind
 * proxies, name the header they write (`x-forwarded-for`, `x-real-ip`, `cf-connecting-ip` on
 * Cloudflare) and how many proxies there are: each proxy appends the address it received the request
 * from, so the client's is the N-th from the right for N trusted proxies; everything left of it is
 * written by the client and ignored.
 *
 * @module
 */
import type { Context } from "hono";
import type { Backend } from "@glassbox/core";
import type { ApiOptions, Limits } from "./app.ts";

/** Settings for an entry point. */
export interface ServerConfig {
  port: number;
  host: string;
  backend: Backend;
  /** Directory of the models (`<id>/` inside), when not the repository's `models/`. */
  modelsDir?: string;
  /** Lower-cased header name carrying the client address, when behind a trusted proxy. */
  clientIpHeader?: string;
  /** Proxies in front of the server that append to that header. */
  trustedProxies: number;
  /** On SIGTERM, how long in-flight requests may finish before they are cancelled, in ms. */
  shutdownMs: number;
  /** Discord application credentials, when `POST /discord/interactions` is served. */
  discord?: { publicKey: string; applicationId: string };
  options: Pick<ApiOptions, "models" | "corsOrigins"> & { limits: Partial<Limits> };
}

function integer(env: (name: string) => string | undefined, name: string, min: number) {
  const value = env(name);
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, current value is "${value}"`);
  }
  return n;
}

/**
 * Reads the settings.
 *
 * @param env Looks a variable up (`Deno.env.get`, `(n) => process.env[n]`, `(n) => env[n]`).
 * @param defaults The entry's own defaults (workerd has no native backend).
 * @throws RangeError naming a variable with a bad value.
 */
export function configFromEnv(
  env: (name: string) => string | undefined,
  defaults: { backend: Backend } = { backend: "node" },
): ServerConfig {
  const limits: Partial<Limits> = {};
  const set = <K extends keyof Limits>(key: K, value: Limits[K] | undefined) => {
    if (value !== undefined) limits[key] = value;
  };
  set("maxBodyBytes", integer(env, "GLASSBOX_MAX_BODY_BYTES", 1024));
  set("timeoutMs", integer(env, "GLASSBOX_TIMEOUT_MS", 1));
  set("concurrency", integer(env, "GLASSBOX_CONCURRENCY", 1));
  set("queueSize", integer(env, "GLASSBOX_QUEUE_SIZE", 0));
  set("downloads", integer(env, "GLASSBOX_DOWNLOADS", 1));
  const rate = env("GLASSBOX_RATE_LIMIT");
  if (rate === "off") limits.rateLimit = null;
  else if (rate) {
    const match = rate.match(/^(\d+(?:\.\d+)?)\/(\d+)$/);
    if (!match || Number(match[1]) <= 0 || Number(match[2]) < 1) {
      throw new RangeError(
        `GLASSBOX_RATE_LIMIT must be PER_SECOND/BURST (e.g. 10/20) or off, current value is "${rate}"`,
      );
    }
    limits.rateLimit = { perSecond: Number(match[1]), burst: Number(match[2]) };
  }
  const backend = env("GLASSBOX_BACKEND") ?? defaults.backend;
  if (backend !== "node" && backend !== "web") {
    throw new RangeError(`GLASSBOX_BACKEND must be node or web, current value is "${backend}"`);
  }
  const list = (name: string) =>
    env(name)?.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  const models = list("GLASSBOX_MODELS");
  const origins = list("GLASSBOX_CORS_ORIGINS");
  const publicKey = env("DISCORD_PUBLIC_KEY"), applicationId = env("DISCORD_APPLICATION_ID");
  if (!publicKey !== !applicationId) {
    throw new RangeError(
      "Set both DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID to serve /discord/interactions, or neither",
    );
  }
  return {
    port: integer(env, "PORT", 0) ?? 8787,
    host: env("HOST") || "0.0.0.0",
    backend,
    modelsDir: env("GLASSBOX_MODELS_DIR") || undefined,
    clientIpHeader: env("GLASSBOX_CLIENT_IP_HEADER")?.toLowerCase() || undefined,
    trustedProxies: integer(env, "GLASSBOX_TRUSTED_PROXIES", 1) ?? 1,
    shutdownMs: integer(env, "GLASSBOX_SHUTDOWN_MS", 0) ?? 10_000,
    ...(publicKey && applicationId ? { discord: { publicKey, applicationId } } : {}),
    options: {
      ...(models?.length ? { models } : {}),
      ...(origins?.length ? { corsOrigins: origins.includes("*") ? "*" : origins } : {}),
      limits,
    },
  };
}

/**
 * The client's address in a header that `trustedProxies` proxies appended to, such as
 * `X-Forwarded-For: spoofed, client, proxy1`: the N-th address from the right (the left-most when
 * there are fewer, all of them then written by trusted proxies).
 */
export function clientAddress(
  value: string | undefined,
  trustedProxies: number,
): string | undefined {
  const addresses = value?.split(",").map((a) => a.trim()).filter((a) => a.length > 0) ?? [];
  return addresses[Math.max(0, addresses.length - trustedProxies)];
}

/**
 * The rate limiter's client key: the configured header's address, else the connection's peer.
 *
 * @param peer The connection's remote address where the runtime has one (not workerd).
 */
export function clientKey(
  config: ServerConfig,
  peer?: (c: Context) => string | undefined,
): (c: Context) => string | undefined {
  return (c) =>
    (config.clientIpHeader &&
      clientAddress(c.req.header(config.clientIpHeader), config.trustedProxies)) || peer?.(c);
}
