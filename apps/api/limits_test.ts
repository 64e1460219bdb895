/** Tests of the concurrency limiter (slots, FIFO queue, refusal, abort) and the token bucket. */
import assert from "node:assert/strict";
import type { ApiError } from "./errors.ts";
import { ConcurrencyLimiter, RateLimiter } from "./limits.ts";

Deno.test("ConcurrencyLimiter: slots, FIFO queue, refusal with Retry-After, abort", async () => {
  const limiter = new ConcurrencyLimiter(2, 2);
  const a = await limiter.acquire();
  const b = await limiter.acquire();
  assert.equal(limiter.running, 2);
  const order: string[] = [];
  const c = limiter.acquire().then((release) => (order.push("c"), release));
  const aborter = new AbortController();
  const d = limiter.acquire(aborter.signal);
  assert.equal(limiter.waiting, 2);
  await assert.rejects(limiter.acquire(), (error: ApiError) => {
    assert.equal(error.code, "queue_full");
    assert.equal(error.status, 429);
    assert.equal(
      error.message,
      "The server is busy: 2 requests are running and 2 waiting, the most it queues; retry in 1 s",
    );
    assert.equal(error.headers["Retry-After"], "1");
    return true;
  });
  aborter.abort(new Error("gone"));
  await assert.rejects(d, /gone/);
  assert.equal(limiter.waiting, 1);
  a(2000);
  const releaseC = await c;
  assert.deepEqual(order, ["c"]);
  assert.equal(limiter.running, 2);
  b(2000);
  releaseC(2000);
  releaseC(2000); // a second call is ignored
  assert.equal(limiter.running, 0);
  // Mean service time after three 2 s jobs: 100 -> 480 -> 784 -> 1027.2 ms.
  await limiter.acquire();
  await limiter.acquire();
  assert.equal(limiter.retryAfter(), Math.ceil((2 * 1027.2) / 2 / 1000));
  assert.throws(() => new ConcurrencyLimiter(0, 1), /"concurrency" must be an integer >= 1/);
});

Deno.test("RateLimiter: burst, refill by the clock, per key, bounded key table", () => {
  let t = 0;
  const limiter = new RateLimiter(2, 0.5, () => t, 3);
  limiter.take("a");
  limiter.take("a");
  assert.throws(() => limiter.take("a"), (error: ApiError) => {
    assert.equal(error.code, "rate_limited");
    assert.equal(error.headers["Retry-After"], "2");
    return true;
  });
  limiter.take("b");
  t = 2000; // one token back at 0.5/s
  limiter.take("a");
  assert.throws(() => limiter.take("a"), /Too many requests from this client/);
  // Seen order is now b, a (a empty). With room for three keys, c, d and e push out b, then a (the
  // least recently seen): a starts over with a full bucket.
  limiter.take("c");
  limiter.take("d");
  limiter.take("e");
  limiter.take("a");
  limiter.take("a");
  assert.throws(() => limiter.take("a"), /Too many requests/);
  assert.throws(() => new RateLimiter(0, 1, () => 0), /burst >= 1 and perSecond > 0/);
});
