/**
 * The bot's settings, read from environment variables, and the cached model loader built from them.
 * The token comes from `DISCORD_TOKEN` only (never a flag, a file or a log line).
 *
 * @module
 */
import { BUNDLED_MODELS, loadModel, type Model } from "@glassbox/core";

/** Settings of the gateway bot. */
export interface BotConfig {
  token: string;
  /** REST base for discord.js's `rest.api` (a local Discord-protocol server in tests). */
  apiBase?: string;
  /** Model id -> what `loadModel` takes (a bundled name, a directory or a URL). */
  models: Record<string, string>;
  cooldownSeconds: number;
  queueCapacity: number;
  timeoutSeconds: number;
}

function number(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a number >= 0, got "${raw}"`);
  }
  return value;
}

/**
 * Parses `GLASSBOX_BOT_MODELS`: comma-separated bundled names or `id=source` pairs, where source is
 * a model directory or URL (`distilbert-sentiment,mine=/srv/models/mine`).
 *
 * @throws {TypeError} For an empty list or an empty id or source.
 */
export function parseModels(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === "") {
    return Object.fromEntries(BUNDLED_MODELS.map((name) => [name, name]));
  }
  const models: Record<string, string> = {};
  for (const entry of raw.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = entry.indexOf("=");
    const [id, source] = eq < 0 ? [entry, entry] : [entry.slice(0, eq), entry.slice(eq + 1)];
    if (!id || !source) {
      throw new TypeError(`GLASSBOX_BOT_MODELS entry "${entry}" must be NAME or ID=DIR_OR_URL`);
    }
    models[id] = source;
  }
  if (Object.keys(models).length === 0) {
    throw new TypeError("GLASSBOX_BOT_MODELS lists no model; give NAME or ID=DIR_OR_URL entries");
  }
  return models;
}

/**
 * Reads the bot's settings from the environment.
 *
 * - `DISCORD_TOKEN` (required): the bot token.
 * - `DISCORD_API`: REST base URL, default Discord's (`https://discord.com/api`).
 * - `GLASSBOX_BOT_MODELS`: see {@link parseModels}; default the bundled models.
 * - `BOT_COOLDOWN_SECONDS` (default 10), `BOT_QUEUE_CAPACITY` (default 20),
 *   `BOT_TIMEOUT_SECONDS` (default 60).
 *
 * @throws {TypeError} When `DISCORD_TOKEN` is missing.
 */
export function readConfig(env: Record<string, string | undefined>): BotConfig {
  const token = env.DISCORD_TOKEN?.trim();
  if (!token) {
    throw new TypeError(
      "DISCORD_TOKEN is not set: put the bot token from the Discord developer portal in it",
    );
  }
  return {
    token,
    apiBase: env.DISCORD_API || undefined,
    models: parseModels(env.GLASSBOX_BOT_MODELS),
    cooldownSeconds: number(env, "BOT_COOLDOWN_SECONDS", 10),
    queueCapacity: Math.max(1, Math.floor(number(env, "BOT_QUEUE_CAPACITY", 20))),
    timeoutSeconds: Math.max(1, number(env, "BOT_TIMEOUT_SECONDS", 60)),
  };
}

/**
 * A loader that loads each configured model once and keeps it; a failed load is retried on the
 * next call instead of being cached.
 */
export function cachedModelLoader(models: Record<string, string>): (id: string) => Promise<Model> {
  const cache = new Map<string, Promise<Model>>();
  return (id) => {
    const source = models[id];
    if (source === undefined) return Promise.reject(new RangeError(`Unknown model ${id}`));
    let model = cache.get(id);
    if (!model) {
      model = loadModel(source);
      cache.set(id, model);
      model.catch(() => cache.delete(id));
    }
    return model;
  };
}
