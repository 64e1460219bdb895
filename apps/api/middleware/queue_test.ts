/** Tests of the concurrency limiter (slots, FIFO queue, refusal, abort) and the download slot. */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { type ApiError, onError } from "./errors.ts";
import { ConcurrencyLimiter, slot } from "./queue.ts";

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

Deno.test("slot: held while the response streams, freed when it ends or the client leaves", async () => {
  const limiter = new ConcurrencyLimiter(1, 0);
  const app = new Hono();
  app.onError(onError(() => {}));
  app.get("/file", slot(limiter, () => 0), (c) => c.body(new Uint8Array(1000)));
  const first = await app.request("/file");
  assert.equal(limiter.running, 1, "the slot is held until the body is read");
  const refused = await app.request("/file");
  assert.equal(refused.status, 429);
  assert.equal((await refused.json()).error.code, "queue_full");
  assert.equal((await first.arrayBuffer()).byteLength, 1000);
  assert.equal(limiter.running, 0);
  const left = await app.request("/file");
  assert.equal(limiter.running, 1);
  await left.body!.cancel();
  assert.equal(limiter.running, 0, "a cancelled download frees its slot");
});
