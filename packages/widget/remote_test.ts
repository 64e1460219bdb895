/**
 * The remote backend's stream parsing and error mapping, against canned API responses (the real
 * API is exercised end to end in tests/widget_test.ts).
 */
import assert from "node:assert/strict";
import { readEvents, remoteBackend } from "./remote.ts";
import { WidgetError } from "./backend.ts";

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

Deno.test("readEvents splits events across chunk boundaries and CRLF", async () => {
  const events = [];
  for await (
    const e of readEvents(
      streamOf(
        'event: progress\r\ndata: {"done":1,',
        '"total":4}\r\n\r\nevent: res',
        "ult\ndata: 1\ndata: 2\n\n",
      ),
    )
  ) events.push(e);
  assert.deepEqual(events, [
    { event: "progress", data: '{"done":1,"total":4}' },
    { event: "result", data: "1\n2" },
  ]);
});

async function withFetch<T>(handler: (req: Request) => Response, body: () => Promise<T>) {
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => Promise.resolve(handler(new Request(input, init)));
  try {
    return await body();
  } finally {
    globalThis.fetch = original;
  }
}

Deno.test("explain reports progress, returns the result and sends the body", async () => {
  const seen: unknown[] = [];
  let sent: unknown;
  const result = await withFetch(
    (req) => {
      assert.equal(req.url, "http://api.test/v1/explain/stream");
      req.json().then((b) => sent = b);
      return new Response(
        'event: progress\ndata: {"method":"occlusion","done":2,"total":5}\n\n' +
          'event: result\ndata: {"scores":[0.5]}\n\n',
        { headers: { "content-type": "text/event-stream" } },
      );
    },
    () =>
      remoteBackend("http://api.test/").explain(
        { text: "hi", method: "occlusion" },
        new AbortController().signal,
        (p) => seen.push(p),
      ),
  );
  assert.deepEqual(result, { scores: [0.5] });
  assert.deepEqual(seen, [{ method: "occlusion", done: 2, total: 5 }]);
  assert.deepEqual(sent, { text: "hi", method: "occlusion" });
});

Deno.test("API errors surface with the API's message and code", async () => {
  const body = { error: { code: "invalid_input", message: "Text is empty: give at least one" } };
  await assert.rejects(
    withFetch(
      () => Response.json(body, { status: 422 }),
      () => remoteBackend("http://api.test").methods(new AbortController().signal),
    ),
    (error) =>
      error instanceof WidgetError && error.message === body.error.message &&
      error.code === "invalid_input",
  );
  await assert.rejects(
    withFetch(
      () =>
        new Response(
          'event: error\ndata: {"error":{"code":"timeout","message":"Took longer than 30 s"}}\n\n',
        ),
      () =>
        remoteBackend("http://api.test").explain(
          { text: "x" },
          new AbortController().signal,
          () => {},
        ),
    ),
    (error) => error instanceof WidgetError && error.message === "Took longer than 30 s",
  );
  await assert.rejects(
    withFetch(
      () => new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }),
      () => remoteBackend("http://api.test").methods(new AbortController().signal),
    ),
    { message: "The API answered HTTP 502 Bad Gateway" },
  );
});
