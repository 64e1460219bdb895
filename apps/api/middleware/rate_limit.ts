/**
 * Per-client rate limiting: a token bucket per client key, and the middleware that takes one token
 * per request (429 `rate_limited` with `Retry-After` when the bucket is empty). The key comes from
 * the entry point (the connection's peer, or a trusted proxy's header; see `config.ts`); requests
 * without one share a bucket. The clock is the caller's, so tests run without timers.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "./errors.ts";

/** Token-bucket rate limiting per client key. */
export class RateLimiter {
  #buckets = new Map<string, { tokens: number; at: number }>();

  /**
   * @param burst Requests a client may make at once (bucket size).
   * @param perSecond Tokens added per second.
   * @param now The clock, in ms.
   * @param maxClients Buckets kept; the least recently seen are dropped beyond it.
   */
  constructor(
    readonly burst: number,
    readonly perSecond: number,
    readonly now: () => number,
    readonly maxClients = 10_000,
  ) {
    if (!(burst >= 1) || !(perSecond > 0)) {
      throw new RangeError(
        `Rate limit needs burst >= 1 and perSecond > 0, current values are ${burst} and ${perSecond}`,
      );
    }
  }

  /**
   * Takes one token for `key`.
   *
   * @throws ApiError `rate_limited` with Retry-After when the bucket is empty.
   */
  take(key: string): void {
    const t = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, at: t };
    // Re-inserting moves the key to the end: the map's order is least recently seen first.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.maxClients) {
      this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((t - bucket.at) / 1000) * this.perSecond);
    bucket.at = t;
    if (bucket.tokens < 1) {
      const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
      throw new ApiError(
        "rate_limited",
        `Too many requests from this client: the limit is ${this.perSecond} per second ` +
          `with bursts of ${this.burst}; retry in ${seconds} s`,
        { perSecond: this.perSecond, burst: this.burst },
        { "Retry-After": String(seconds) },
      );
    }
    bucket.tokens -= 1;
  }
}

/**
 * The middleware: one token per request, before anything is read or computed.
 *
 * @param limiter The buckets; `undefined` turns the middleware into a pass-through.
 * @param key The client's key for a request.
 */
export function rateLimit(
  limiter: RateLimiter | undefined,
  key: (c: Context) => string | undefined,
): MiddlewareHandler {
  return async (c, next) => {
    limiter?.take(key(c) ?? "anonymous");
    await next();
  };
}
