/**
 * Discord's HTTP interactions endpoint as a Hono sub-app, for deployments without a gateway
 * connection (Cloudflare Workers, Deno Deploy, any HTTP server). The API mounts it at
 * `POST /discord/interactions`; Discord then POSTs every slash command there instead of sending it
 * over the gateway.
 *
 * - Every request is verified with Ed25519 (WebCrypto) over `X-Signature-Timestamp` + body against
 *   the application's public key; a bad, missing or stale signature gets 401 (Discord sends invalid
 *   signatures on purpose and disables endpoints that accept them).
 * - PING (type 1) gets PONG.
 * - A command either gets an immediate reply (refusals, /methods: type 4) or a deferred response
 *   (type 5); the explanation is then computed and the PNG sent with
 *   `PATCH /webhooks/{application_id}/{token}/messages/@original` as multipart/form-data. On Workers
 *   that work runs inside `waitUntil`, so the isolate lives until the follow-up is sent.
 *
 * It shares the {@link Responder} with the gateway bot and imports no discord.js, so it runs in
 * workerd.
 *
 * @module
 */
import { Hono } from "hono";
import {
  BUNDLED_MODELS,
  type explain,
  type Explanation,
  type Model,
  type predict,
} from "@glassbox/core";
import { localCompute, type Reply, Responder } from "./answer.ts";
import { DISCORD_API } from "./commands.ts";

/** Options of {@link discordInteractions}. */
export interface DiscordInteractionsOptions {
  /** The application's public key from the developer portal, hex (64 characters). */
  publicKey: string;
  /** The application id (a snowflake), for the follow-up webhook routes. */
  applicationId: string;
  /** Returns a loaded model by id (the API's cached loader of its configured models). */
  loadModel: (id: string) => Promise<Model>;
  /** The model ids offered; the first is the default. @default BUNDLED_MODELS */
  models?: readonly string[];
  /** Rasterizes an explanation (`renderPng` of `@glassbox/render`, initialized by the caller). */
  renderPng: (explanation: Explanation) => Promise<Uint8Array>;
  /** Core's `explain`, or a wrapper of it. */
  explain?: typeof explain;
  /** Core's `predict`, or a wrapper of it. */
  predict?: typeof predict;
  /**
   * Keeps the runtime alive until the follow-up is sent. Default: the request's Workers execution
   * context (`c.executionCtx.waitUntil`) when there is one; elsewhere the work simply runs on.
   */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** REST base of Discord. @default "https://discord.com/api" */
  restBase?: string;
  /** The fetch used for follow-ups. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Oldest accepted `X-Signature-Timestamp`, in seconds from now (either way). @default 300 */
  maxSkewSeconds?: number;
  /** Seconds a user waits between /explain or /predict commands. @default 10 */
  cooldownSeconds?: number;
  /** Explanations admitted at once; more are refused. @default 20 */
  queueCapacity?: number;
  /** Longest computation, in seconds. @default 60 */
  timeoutSeconds?: number;
  /** Where failed follow-ups and internal errors are reported. @default console.error */
  logError?: (message: string, error: unknown) => void;
  /** The clock, in ms. */
  now?: () => number;
}

/** Interaction and callback types of Discord's API that the endpoint uses. */
const PING = 1, APPLICATION_COMMAND = 2;
const PONG = 1, CHANNEL_MESSAGE = 4, DEFERRED_CHANNEL_MESSAGE = 5;
const EPHEMERAL = 64;
/** Interactions are a few kilobytes; anything far larger is not from Discord. */
const MAX_BODY_BYTES = 64 * 1024;
const NO_MENTIONS = { parse: [] as string[] };

/** An interaction as far as the endpoint reads it. */
interface Interaction {
  type: number;
  token?: string;
  member?: { user?: { id?: string } };
  user?: { id?: string };
  data?: { name?: string; options?: { name: string; value: unknown }[] };
}

function hexBytes(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) return undefined;
  return Uint8Array.from(hex.match(/../g)!, (byte) => parseInt(byte, 16));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function errorBody(code: string, message: string) {
  return { error: { code, message, details: null } };
}

/**
 * Creates the interactions endpoint. Mount it with `app.route("/discord/interactions", sub)`; it
 * answers `POST /` below the mount point.
 *
 * @throws {TypeError} When `publicKey` is not 32 bytes of hex or `applicationId` is not a snowflake.
 * @example Mounting in the API
 * ```ts ignore
 * app.route("/discord/interactions", discordInteractions({
 *   publicKey: env.DISCORD_PUBLIC_KEY,
 *   applicationId: env.DISCORD_APPLICATION_ID,
 *   loadModel: getModel,
 *   renderPng: (e) => renderPng(e),
 * }));
 * ```
 */
export function discordInteractions(options: DiscordInteractionsOptions): Hono {
  const keyBytes = hexBytes(options.publicKey);
  if (!keyBytes || keyBytes.length !== 32) {
    throw new TypeError(
      "The Discord public key must be 64 hex characters (the application's PUBLIC KEY)",
    );
  }
  if (!/^\d+$/.test(options.applicationId)) {
    throw new TypeError(
      `The application id must be a snowflake (digits), got "${options.applicationId}"`,
    );
  }
  const now = options.now ?? Date.now;
  const maxSkew = options.maxSkewSeconds ?? 300;
  const restBase = options.restBase ?? DISCORD_API;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const logError = options.logError ?? ((message, error) => console.error(message, error));
  const responder = new Responder({
    models: options.models ?? BUNDLED_MODELS,
    compute: localCompute({
      loadModel: options.loadModel,
      renderPng: options.renderPng,
      explain: options.explain,
      predict: options.predict,
      timeoutSeconds: options.timeoutSeconds,
      logError,
    }),
    cooldownSeconds: options.cooldownSeconds,
    queueCapacity: options.queueCapacity,
    now,
  });
  let key: Promise<CryptoKey> | undefined;

  async function verified(
    signature: string | undefined,
    timestamp: string | undefined,
    body: Uint8Array,
  ): Promise<string | undefined> {
    if (!signature || !timestamp) return "the signature headers are missing";
    const sig = hexBytes(signature);
    if (!sig || sig.length !== 64) return "the signature is not 64 bytes of hex";
    const seconds = Number(timestamp);
    if (!/^\d+$/.test(timestamp) || Math.abs(now() / 1000 - seconds) > maxSkew) {
      return "the timestamp is missing or too far from now";
    }
    key ??= crypto.subtle.importKey("raw", keyBytes!, { name: "Ed25519" }, false, ["verify"]);
    const ok = await crypto.subtle.verify(
      { name: "Ed25519" },
      await key,
      sig,
      concat(new TextEncoder().encode(timestamp), body),
    );
    return ok ? undefined : "the signature does not match";
  }

  async function send(path: string, init: RequestInit): Promise<void> {
    for (let attempt = 0;; attempt++) {
      const response = await doFetch(`${restBase}/v10${path}`, init);
      if (response.ok) {
        await response.body?.cancel();
        return;
      }
      const text = await response.text();
      if (response.status === 429 && attempt === 0) {
        // Rate limited: wait as told (capped, the interaction token lives 15 minutes) and retry once.
        const wait = Number(JSON.parse(text || "{}").retry_after ?? 1);
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 5) * 1000));
        continue;
      }
      throw new Error(
        `Discord answered ${init.method} ${path} with HTTP ${response.status}: ${
          text.slice(0, 300)
        }`,
      );
    }
  }

  async function deliver(token: string, reply: Reply): Promise<void> {
    const webhook = `/webhooks/${options.applicationId}/${token}`;
    if (reply.ephemeral) {
      // A deferred public reply cannot turn ephemeral: say why privately, then remove "thinking…".
      await send(webhook, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          content: reply.content,
          flags: EPHEMERAL,
          allowed_mentions: NO_MENTIONS,
        }),
      });
      await send(`${webhook}/messages/@original`, { method: "DELETE" });
      return;
    }
    const form = new FormData();
    const image = reply.image;
    form.set(
      "payload_json",
      JSON.stringify({
        content: reply.content,
        allowed_mentions: NO_MENTIONS,
        attachments: image ? [{ id: 0, filename: image.name, description: image.description }] : [],
      }),
    );
    if (image) {
      form.set(
        "files[0]",
        new Blob([image.data as Uint8Array<ArrayBuffer>], { type: "image/png" }),
        image.name,
      );
    }
    await send(`${webhook}/messages/@original`, { method: "PATCH", body: form });
  }

  const app = new Hono();
  app.post("/", async (c) => {
    const tooLarge = () =>
      c.json(
        errorBody("payload_too_large", `Interactions are at most ${MAX_BODY_BYTES} bytes`),
        413,
      );
    if (Number(c.req.header("content-length") ?? 0) > MAX_BODY_BYTES) return tooLarge();
    const body = new Uint8Array(await c.req.arrayBuffer());
    // A chunked body has no Content-Length: check what arrived before hashing it.
    if (body.length > MAX_BODY_BYTES) return tooLarge();
    const refused = await verified(
      c.req.header("x-signature-ed25519"),
      c.req.header("x-signature-timestamp"),
      body,
    );
    if (refused) {
      return c.json(errorBody("invalid_signature", `Invalid request signature: ${refused}`), 401);
    }

    let interaction: Interaction;
    try {
      interaction = JSON.parse(new TextDecoder().decode(body));
    } catch {
      return c.json(errorBody("invalid_body", "The body is not JSON"), 400);
    }
    if (interaction.type === PING) return c.json({ type: PONG });
    if (interaction.type !== APPLICATION_COMMAND || !interaction.data?.name || !interaction.token) {
      return c.json(
        errorBody(
          "unsupported_interaction",
          `Interaction type ${interaction.type} is not handled; this endpoint takes PING and slash commands`,
        ),
        400,
      );
    }
    const plan = responder.plan({
      name: interaction.data.name,
      options: Object.fromEntries(
        (interaction.data.options ?? []).map((option) => [option.name, String(option.value)]),
      ),
      userId: interaction.member?.user?.id ?? interaction.user?.id ?? "unknown",
    });
    if ("reply" in plan) {
      return c.json({
        type: CHANNEL_MESSAGE,
        data: {
          content: plan.reply.content,
          flags: plan.reply.ephemeral ? EPHEMERAL : 0,
          allowed_mentions: NO_MENTIONS,
        },
      });
    }
    const token = interaction.token;
    const work = plan.pending.then((reply) => deliver(token, reply)).catch((error) =>
      logError("Could not send the interaction follow-up:", error)
    );
    const waitUntil = options.waitUntil ?? executionWaitUntil(c);
    waitUntil?.(work);
    return c.json({ type: DEFERRED_CHANNEL_MESSAGE });
  });
  return app;
}

/** The Workers execution context's `waitUntil`, when the request has one. */
function executionWaitUntil(c: { executionCtx: { waitUntil(p: Promise<unknown>): void } }) {
  try {
    const context = c.executionCtx;
    return (promise: Promise<unknown>) => context.waitUntil(promise);
  } catch {
    // Hono throws when the runtime passed no execution context (Deno, Node): nothing to extend.
    return undefined;
  }
}
