/**
 * One deadline per request, counted from its arrival: reading the body, waiting for a computation
 * slot, loading the model and computing all spend the same `timeoutMs`. Routes take the deadline's
 * signal from `c.get("deadline")` and pass it to core. A body still arriving when the deadline passes
 * gets 408 `request_timeout` (a slow or stalled client, as in slowloris), whatever the route does with
 * it; work past the body is the route's and answers 504 `timeout` through the signal.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors.ts";

/** What the middleware sets on the context. */
export interface DeadlineVariables {
  /** Aborts when the request's time is up; its reason is the 504 `timeout` error. */
  deadline: AbortSignal;
}

/** The 504 of a request whose computation ran past the limit. */
export function timeoutError(timeoutMs: number): ApiError {
  return new ApiError(
    "timeout",
    `The request took longer than the server's limit of ${timeoutMs} ms`,
    { timeoutMs },
  );
}

/**
 * The deadline middleware.
 *
 * @param timeoutMs Time from arrival to answer.
 */
export function deadline(
  timeoutMs: number,
): MiddlewareHandler<{ Variables: DeadlineVariables }> {
  return async (c, next) => {
    const controller = new AbortController();
    c.set("deadline", controller.signal);
    let bodyDone = true;
    const body = c.req.raw.body;
    if (body) {
      bodyDone = false;
      // The body passes through unchanged; its end (read to the last byte or cancelled) is noted.
      const watched = body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({ flush: () => void (bodyDone = true) }),
      );
      c.req.raw = new Request(c.req.raw, {
        body: watched,
        signal: c.req.raw.signal,
        duplex: "half",
      } as RequestInit);
    }
    let expired!: () => void;
    const stalled = new Promise<"stalled">((resolve) => (expired = () => resolve("stalled")));
    const timer = setTimeout(() => {
      controller.abort(timeoutError(timeoutMs));
      if (!bodyDone) expired();
    }, timeoutMs);
    const handling = next();
    try {
      if (await Promise.race([handling, stalled]) === "stalled") {
        // The route is still waiting for bytes; it ends when the connection closes.
        handling.catch(() => {});
        throw new ApiError(
          "request_timeout",
          `The request body did not arrive within the server's limit of ${timeoutMs} ms`,
          { timeoutMs },
        );
      }
    } finally {
      clearTimeout(timer);
    }
  };
}
