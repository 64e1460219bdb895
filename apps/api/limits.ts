/**
 * Backpressure for the API: a concurrency limit with a bounded FIFO queue (requests beyond it are
 * refused at once with 429 and a Retry-After estimate, as TGI and TEI do, instead of piling up until
 * they time out) and a per-client token bucket. Both take their clock from the caller, so tests run
 * them without timers.
 *
 * @module
 */
import { ApiError } from "./errors.ts";

/** A concurrency limit with a bounded wait queue. */
export class ConcurrencyLimiter {
  #running = 0;
  #queue: { grant: () => void; fail: (e: unknown) => void }[] = [];
  /** Mean service time (ms), an exponential moving average, for Retry-After. */
  #meanMs = 100;

  /**
   * @param concurrency Computations at once.
   * @param queueSize Requests that may wait for a slot; more are refused.
   */
  constructor(readonly concurrency: number, readonly queueSize: number) {
    if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
      throw new RangeError(
        `"concurrency" must be an integer >= 1, current value is ${concurrency}`,
      );
    }
    if (!(Number.isInteger(queueSize) && queueSize >= 0)) {
      throw new RangeError(`"queueSize" must be an integer >= 0, current value is ${queueSize}`);
    }
  }

  /** Requests computing now. */
  get running(): number {
    return this.#running;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Whether {@link ConcurrencyLimiter.acquire} would refuse now: every slot busy, the queue full. */
  get full(): boolean {
    return this.#running >= this.concurrency && this.#queue.length >= this.queueSize;
  }

  /** Seconds a refused client should wait: the queue's expected drain time, at least 1. */
  retryAfter(): number {
    const jobs = this.#queue.length + this.#running;
    return Math.max(1, Math.ceil((jobs * this.#meanMs) / this.concurrency / 1000));
  }

  /**
   * Waits for a slot.
   *
   * @param signal Aborts the wait (the slot is never taken).
   * @returns A release function to call exactly once, with the time the work took.
   * @throws ApiError `queue_full` when the queue is full; the signal's reason when aborted.
   */
  async acquire(signal?: AbortSignal): Promise<(elapsedMs: number) => void> {
    signal?.throwIfAborted();
    if (this.#running < this.concurrency) {
      this.#running++;
    } else {
      if (this.#queue.length >= this.queueSize) {
        const seconds = this.retryAfter();
        throw new ApiError(
          "queue_full",
          `The server is busy: ${this.#running} requests are running and ${this.#queue.length} waiting, ` +
            `the most it queues; retry in ${seconds} s`,
          { running: this.#running, waiting: this.#queue.length, queueSize: this.queueSize },
          { "Retry-After": String(seconds) },
        );
      }
      await new Promise<void>((grant, fail) => {
        const entry = { grant, fail };
        const onAbort = () => {
          const i = this.#queue.indexOf(entry);
          if (i >= 0) this.#queue.splice(i, 1);
          fail(signal!.reason);
        };
        entry.grant = () => {
          signal?.removeEventListener("abort", onAbort);
          grant();
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#queue.push(entry);
      });
    }
    let released = false;
    return (elapsedMs: number) => {
      if (released) return;
      released = true;
      this.#meanMs = 0.8 * this.#meanMs + 0.2 * Math.max(1, elapsedMs);
      const next = this.#queue.shift();
      // The slot passes straight to the next waiter, so `running` stays the same.
      if (next) next.grant();
      else this.#running--;
    };
  }
}

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
