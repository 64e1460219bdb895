/** Tests of the request deadline: 408 for a body that stops arriving, 504 through the signal. */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { onError } from "./errors.ts";
import { deadline, type DeadlineVariables } from "./timeout.ts";

function makeApp(timeoutMs: number) {
  const app = new Hono<{ Variables: DeadlineVariables }>();
  app.use(deadline(timeoutMs));
  app.onError(onError(() => {}));
  app.post("/echo", async (c) => c.text(await c.req.text()));
  app.get("/work", async (c) => {
    const signal = c.get("deadline");
    await new Promise((resolve, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      setTimeout(resolve, Number(c.req.query("ms")));
    });
    return c.text("done");
  });
  return app;
}

Deno.test("deadline: a body that stops arriving gets 408 when the time is up", async () => {
  const app = makeApp(50);
  let cancelled = false;
  const stalled = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"te'));
    },
    cancel: () => void (cancelled = true),
  });
  const response = await app.request(
    "/echo",
    { method: "POST", body: stalled, duplex: "half" } as RequestInit,
  );
  assert.equal(response.status, 408);
  assert.deepEqual(await response.json(), {
    error: {
      code: "request_timeout",
      message: "The request body did not arrive within the server's limit of 50 ms",
      details: { timeoutMs: 50 },
    },
  });
  assert.equal(cancelled, false, "the stream is left to the connection's end");
});

Deno.test("deadline: a whole body passes through unchanged", async () => {
  const response = await makeApp(1000).request("/echo", { method: "POST", body: "héllo" });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "héllo");
});

Deno.test("deadline: work past the body sees the signal and answers 504", async () => {
  const app = makeApp(50);
  const late = await app.request("/work?ms=5000");
  assert.equal(late.status, 504);
  assert.deepEqual((await late.json()).error, {
    code: "timeout",
    message: "The request took longer than the server's limit of 50 ms",
    details: { timeoutMs: 50 },
  });
  assert.equal(await (await app.request("/work?ms=1")).text(), "done");
});
