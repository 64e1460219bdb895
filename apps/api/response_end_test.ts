/** Tests of noticing when a response is sent, and of draining the responses in flight. */
import assert from "node:assert/strict";
import { InFlight, whenSent } from "./response_end.ts";

Deno.test("whenSent: once when the body is read out, or cancelled, or at once without one", async () => {
  let calls = 0;
  const read = whenSent(
    new Response("abc", { status: 201, headers: { "x-a": "1" } }),
    () => calls++,
  );
  assert.equal(calls, 0);
  assert.deepEqual([read.status, read.headers.get("x-a")], [201, "1"]);
  assert.equal(await read.text(), "abc");
  assert.equal(calls, 1);
  await whenSent(new Response("abc"), () => calls++).body!.cancel();
  assert.equal(calls, 2);
  whenSent(new Response(null, { status: 204 }), () => calls++);
  assert.equal(calls, 3);
});

Deno.test("InFlight: drain waits for streamed bodies and refuses new requests", async () => {
  const inFlight = new InFlight(() => new Response("draining", { status: 503 }));
  const handler = inFlight.track(() => new Response("body"));
  const first = await handler(new Request("http://x/"));
  assert.equal(inFlight.count, 1);
  let drained = false;
  const draining = inFlight.drain().then(() => (drained = true));
  const late = await handler(new Request("http://x/"));
  assert.deepEqual([late.status, await late.text()], [503, "draining"]);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(drained, false, "drained before the body was sent");
  assert.equal(await first.text(), "body");
  await draining;
  assert.equal(inFlight.count, 0);
});
