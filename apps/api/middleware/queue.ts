/**
 * Backpressure for the API: a concurrency limit with a bounded FIFO queue (requests beyond it are
 * refused at once with 429 and a Retry-After estimate, as TGI and TEI do, instead of piling up until
 * they time out). {@link compute} runs a validated request's work in a slot under the request's
 * deadline and its client's presence; {@link slot} holds a slot for as long as a response streams
 * (model downloads).
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Model } from "@glassbox/core";
import type { ModelRegistry } from "../registry.ts";
import { whenSent } from "../response_end.ts";
import { ApiError } from "./errors.ts";
import type { DeadlineVariables } from "./timeout.ts";

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

/**
 * Holds a slot from arrival until the response body has been sent (or the client left), for routes
 * whose cost is the stream itself. Refuses at once (429) when the limiter has no slot and no queue.
 */
export function slot(limiter: ConcurrencyLimiter, now: () => number): MiddlewareHandler {
  return async (c, next) => {
    const started = now();
    const release = await limiter.acquire(c.req.raw.signal);
    const done = () => release(now() - started);
    try {
      await next();
    } catch (error) {
      done();
      throw error;
    }
    c.res = whenSent(c.res, done);
  };
}

/** What {@link compute} needs from the app. */
export interface ComputeDeps {
  limiter: ConcurrencyLimiter;
  registry: ModelRegistry;
  now: () => number;
  /** Counts a computation cancelled because its client went away. */
  cancelled: () => void;
  /** Keeps a model load alive past the request (workerd's `waitUntil`). */
  keepAlive: (c: Context) => (loading: Promise<unknown>) => void;
}

/**
 * Runs `work` in a computation slot with a signal that aborts when the request's deadline passes
 * (504 `timeout`) or its client goes away (`client_closed`, counted).
 *
 * @param cancel Another reason to stop (a streaming response whose reader left).
 */
export async function compute<T>(
  c: Context<{ Variables: DeadlineVariables }>,
  deps: ComputeDeps,
  modelId: string,
  work: (model: Model, signal: AbortSignal) => Promise<T>,
  cancel?: AbortSignal,
): Promise<T> {
  const deadline = c.get("deadline");
  const controller = new AbortController();
  const timedOut = () => controller.abort(deadline.reason);
  const gone = () =>
    controller.abort(new ApiError("client_closed", "The client disconnected; work cancelled"));
  if (deadline.aborted) timedOut();
  deadline.addEventListener("abort", timedOut, { once: true });
  const sources = [c.req.raw.signal, cancel].filter((s): s is AbortSignal => !!s);
  for (const s of sources) s.addEventListener("abort", gone, { once: true });
  try {
    const release = await deps.limiter.acquire(controller.signal);
    const started = deps.now();
    try {
      const model = await Promise.race([
        deps.registry.get(modelId, deps.keepAlive(c)),
        new Promise<never>((_, reject) => {
          controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
            once: true,
          });
        }),
      ]);
      return await work(model, controller.signal);
    } finally {
      release(deps.now() - started);
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    if (controller.signal.reason !== deadline.reason) deps.cancelled();
    throw controller.signal.reason;
  } finally {
    deadline.removeEventListener("abort", timedOut);
    for (const s of sources) s.removeEventListener("abort", gone);
  }
}
