/**
 * Connections to the Redis that holds a distributed corpus job: `redis://[user:password@]HOST:PORT/DB`
 * URLs, and a watchdog for Redis going away. ioredis reconnects by itself with a backoff (0.2 s, doubling,
 * at most 5 s between attempts) and holds commands meanwhile; the watchdog gives up when Redis has been
 * unreachable longer than a deadline, so that a worker whose Redis is gone for good exits with a clear
 * message instead of waiting forever. Its chunk in progress goes back to the queue when its lock runs
 * out (BullMQ's stalled-job check), so nothing is lost.
 *
 * @module
 */
import type { RedisOptions } from "bullmq";
import { Redis } from "ioredis";
import { UsageError } from "../flags.ts";

/** Raised when Redis stays unreachable past the deadline. */
export class RedisUnavailableError extends Error {
  override name = "RedisUnavailableError";
}

/**
 * The connection options of a `redis://` URL.
 *
 * @throws UsageError for anything but `redis://[user:password@]HOST[:PORT][/DB]`.
 */
export function parseRedisUrl(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL("invalid:");
  }
  const db = parsed.pathname.replace(/^\//, "");
  if (
    parsed.protocol !== "redis:" || !parsed.hostname || !/^\d*$/.test(db) || parsed.search ||
    parsed.hash
  ) {
    throw new UsageError(
      `--queue must be a URL redis://[user:password@]HOST[:PORT][/DB], got "${url}"`,
    );
  }
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port ? Number(parsed.port) : 6379,
    db: db ? Number(db) : 0,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  };
}

/** The URL without its password, for messages. */
export function describeRedis(url: string): string {
  const o = parseRedisUrl(url);
  return `redis://${o.host}:${o.port}/${o.db}`;
}

/** A Redis connection with a deadline for outages. */
export interface Connection {
  /** For the job's own keys (settings, results, progress). */
  redis: Redis;
  /** Options for BullMQ, which opens its own connections to the same server. */
  options: RedisOptions;
  /** Rejects with a {@link RedisUnavailableError} once Redis has been away longer than the deadline. */
  lost: Promise<never>;
  close(): void;
}

/**
 * Connects, retrying with backoff; `lost` rejects when Redis is unreachable for `deadlineMs` in a row
 * (counting from the start, before the first connection).
 */
export function connectRedis(url: string, deadlineMs: number): Connection {
  const options: RedisOptions = {
    ...parseRedisUrl(url),
    // BullMQ workers need commands held (not failed) while the connection is down.
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(200 * 2 ** (times - 1), 5000),
  };
  const redis = new Redis({ ...options, lazyConnect: false });
  let downSince: number | undefined = performance.now();
  let lastError = "no answer yet";
  let reject: (error: Error) => void = () => {};
  const lost = new Promise<never>((_, r) => reject = r);
  lost.catch(() => {});
  redis.on("ready", () => downSince = undefined);
  redis.on("error", (error: Error) => lastError = error.message);
  redis.on("close", () => downSince ??= performance.now());
  const timer = setInterval(() => {
    if (downSince === undefined || performance.now() - downSince < deadlineMs) return;
    clearInterval(timer);
    reject(
      new RedisUnavailableError(
        `Redis at ${describeRedis(url)} has been unreachable for ${
          Math.round(deadlineMs / 1000)
        } s (${lastError}); giving up`,
      ),
    );
  }, Math.min(1000, deadlineMs / 4));
  Deno.unrefTimer(timer);
  return {
    redis,
    options,
    lost,
    close() {
      clearInterval(timer);
      redis.disconnect();
    },
  };
}
