/**
 * Discord's HTTP interactions endpoint as a Hono sub-app, for deployments without a gateway
 * connection (Cloudflare Workers, Deno Deploy, any HTTP server). The API mounts it at
 * `POST /discord/interactions`; Discord then POSTs every slash command there instead of sending it
 * over the gateway.
 *
 * - The body is cut off past 64 KiB while it arrives (Hono's `bodyLimit`), before anything is
 *   verified: an unauthenticated client cannot make the server hold a large upload.
 * - Every request is verified with Ed25519 (WebCrypto) over `X-Signature-Timestamp` + body against
 *   the application's public key; a bad, missing or stale signature gets 401 (Discord sends invalid
 *   signatures on purpose and disables endpoints that accept them).
 * - A verified body that is not an interaction as Discord sends them gets 400 `malformed_body`.
 *   Errors use the API's shape and codes (`invalid_signature`, `body_too_large`, `malformed_json`,
 *   `malformed_body`).
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
import { bodyLimit } from "hono/body-limit";
import {
  BUNDLED_MODELS,
  type explain,
  type Explanation,
  type Model,
  type predict,
} from "@glassbox/core";
import { type Compute, failure, localCompute, type Reply, Responder } from "./answer.ts";
import { DISCORD_API } from "./commands.ts";
import { readInteraction } from "./interaction_body.ts";

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
  /**
   * Computation slots shared with a host (the API's limiter): each explanation takes one, and when
   * none is free and none may wait, commands are refused at once. Without it, explanations run one
   * at a time in the endpoint's own queue.
   */
  slots?: Slots;
  /** Longest computation, in seconds. @default 60 */
  timeoutSeconds?: number;
  /** Where failed follow-ups and internal errors are reported. @default console.error */
  logError?: (message: string, error: unknown) => void;
  /** The clock, in ms. */
  now?: () => number;
}

/** A concurrency limit shared with the host; the API's `ConcurrencyLimiter` is one. */
export interface Slots {
  /** Whether a new computation would be refused now. */
  readonly full: boolean;
  /** Waits for a slot; rejects when none is free and the queue is full. */
  acquire(): Promise<(elapsedMs: number) => void>;
}

/** Interaction and callback types of Discord's API that the endpoint uses. */
const PING = 1, APPLICATION_COMMAND = 2;
const PONG = 1, CHANNEL_MESSAGE = 4, DEFERRED_CHANNEL_MESSAGE = 5;
const EPHEMERAL = 64;
/** Interactions are a few kilobytes; anything far larger is not from Discord. */
const MAX_BODY_BYTES = 64 * 1024;
const NO_MENTIONS = { parse: [] as string[] };

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

/** The API's error codes this endpoint answers with (apps/api documents them). */
type ErrorCode = "invalid_signature" | "body_too_large" | "malformed_json" | "malformed_body";

function errorBody(code: ErrorCode, message: string) {
  return { error: { code, message, details: {} } };
}

/** What a refused command is told when every computation slot is taken. */
const BUSY = "The server is busy with other explanations; try again in a minute.";

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
  const local = localCompute({
    loadModel: options.loadModel,
    renderPng: options.renderPng,
    explain: options.explain,
    predict: options.predict,
    timeoutSeconds: options.timeoutSeconds,
    logError,
  });
  const slots = options.slots;
  const compute: Compute = slots
    ? async (name, checked) => {
      let release: (elapsedMs: number) => void;
      try {
        release = await slots.acquire();
      } catch {
        return failure(name, BUSY);
      }
      const started = now();
      try {
        return await local(name, checked);
      } finally {
        release(now() - started);
      }
    }
    : local;
  const queueCapacity = options.queueCapacity ?? 20;
  const responder = new Responder({
    models: options.models ?? BUNDLED_MODELS,
    compute,
    cooldownSeconds: options.cooldownSeconds,
    queueCapacity,
    // With shared slots the host's limiter decides what runs; the endpoint's queue only admits.
    concurrency: slots ? queueCapacity : 1,
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
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) =>
      c.json(
        errorBody("body_too_large", `Interactions are at most ${MAX_BODY_BYTES} bytes`),
        413,
      ),
  });
  app.post("/", limit, async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    const refused = await verified(
      c.req.header("x-signature-ed25519"),
      c.req.header("x-signature-timestamp"),
      body,
    );
    if (refused) {
      return c.json(errorBody("invalid_signature", `Invalid request signature: ${refused}`), 401);
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(body));
    } catch {
      return c.json(errorBody("malformed_json", "The body is not JSON"), 400);
    }
    const interaction = readInteraction(parsed);
    const malformed = (reason: string) =>
      c.json(errorBody("malformed_body", `The body is not a Discord interaction: ${reason}`), 400);
    if (typeof interaction === "string") return malformed(interaction);
    if (interaction.type === PING) return c.json({ type: PONG });
    if (interaction.type !== APPLICATION_COMMAND || !interaction.name || !interaction.token) {
      return malformed(
        `interaction type ${interaction.type} without a command name and token is not handled; ` +
          "this endpoint takes PING and slash commands",
      );
    }
    const computes = interaction.name === "explain" || interaction.name === "predict";
    if (computes && slots?.full) {
      return c.json({
        type: CHANNEL_MESSAGE,
        data: { content: BUSY, flags: EPHEMERAL, allowed_mentions: NO_MENTIONS },
      });
    }
    const plan = responder.plan({
      name: interaction.name,
      options: interaction.options,
      userId: interaction.userId ?? "unknown",
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
