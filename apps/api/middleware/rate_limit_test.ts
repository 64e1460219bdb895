/** Tests of the token bucket and the rate-limit middleware. */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { type ApiError, onError } from "./errors.ts";
import { rateLimit, RateLimiter } from "./rate_limit.ts";

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

Deno.test("rateLimit: one token per request by the request's key; keyless requests share one", async () => {
  const limiter = new RateLimiter(2, 1, () => 0);
  const app = new Hono();
  app.onError(onError(() => {}));
  app.get("/", rateLimit(limiter, (c) => c.req.header("x-client")), (c) => c.text("ok"));
  const statuses = async (headers: Record<string, string>) => {
    const out = [];
    for (let i = 0; i < 3; i++) out.push((await app.request("/", { headers })).status);
    return out;
  };
  assert.deepEqual(await statuses({ "x-client": "a" }), [200, 200, 429]);
  assert.deepEqual(await statuses({ "x-client": "b" }), [200, 200, 429]);
  assert.deepEqual(await statuses({}), [200, 200, 429]);
  const refused = await app.request("/", { headers: { "x-client": "a" } });
  assert.equal(refused.headers.get("retry-after"), "1");
  assert.equal((await refused.json()).error.code, "rate_limited");
});
