/**
 * The bad-input suite against a real Deno server process (`apps/api/deno.ts`) over real HTTP: every
 * case gets its documented status and error code, never a 5xx, and the server keeps serving
 * (checked after every case and, at the end, in /metrics). Includes a client that disconnects in the
 * middle of a stream, whose computation must be cancelled and its slot freed.
 */
import assert from "node:assert/strict";
import { expectCancelledOnDisconnect, type Server, startDeno } from "./api_servers.ts";

async function send(
  server: Server,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<
  {
    status: number;
    body: { error?: { code: string; message: string } } & Record<string, unknown>;
    headers: Headers;
  }
> {
  const { json, ...rest } = init;
  const response = await fetch(server.origin + path, {
    method: json === undefined ? rest.method : "POST",
    ...rest,
    headers: json === undefined
      ? rest.headers
      : { "content-type": "application/json", ...rest.headers },
    body: json === undefined ? rest.body : typeof json === "string" ? json : JSON.stringify(json),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { text };
  }
  return { status: response.status, body, headers: response.headers };
}

Deno.test({
  name: "bad input gets the documented 4xx and the server keeps serving",
  sanitizeResources: false,
  async fn(t) {
    // The native backend, the server default (api_e2e_test.ts checks the wasm one).
    const server = await startDeno({ GLASSBOX_BACKEND: "node" });
    const alive = async () => {
      const r = await send(server, "/healthz");
      assert.equal(r.status, 200, `server stopped answering:\n${server.stderr()}`);
    };
    const expect = async (
      name: string,
      path: string,
      init: RequestInit & { json?: unknown },
      status: number,
      code?: string,
      message?: string | RegExp,
    ) => {
      await t.step(name, async () => {
        const r = await send(server, path, init);
        assert.equal(r.status, status, JSON.stringify(r.body).slice(0, 500));
        if (code) assert.equal(r.body.error?.code, code);
        if (typeof message === "string") assert.equal(r.body.error?.message, message);
        else if (message) assert.match(r.body.error!.message, message);
        await alive();
      });
    };
    try {
      const models = (await send(server, "/v1/models")).body.models as { maxTokens: number }[];
      const maxTokens = models[0].maxTokens;

      await expect(
        "empty text",
        "/v1/explain",
        { json: { text: "" } },
        422,
        "invalid_input",
        "Text is empty: give at least one non-whitespace character",
      );
      await expect(
        "whitespace text",
        "/v1/explain",
        { json: { text: " \n\t " } },
        422,
        "invalid_input",
        "Text is empty: give at least one non-whitespace character",
      );
      await expect("text at the character limit", "/v1/predict", {
        json: { text: "a" + " ".repeat(9_999) },
      }, 200);
      await expect(
        "text one over the character limit",
        "/v1/predict",
        { json: { text: "a" + " ".repeat(10_000) } },
        422,
        "invalid_input",
        "Text is 10001 characters long; the limit is 10000",
      );
      // "a" is one token; the tokenizer adds [CLS] and [SEP].
      await expect("text at the token limit", "/v1/predict", {
        json: { text: "a ".repeat(maxTokens - 2) },
      }, 200);
      await expect(
        "text one over the token limit",
        "/v1/predict",
        { json: { text: "a ".repeat(maxTokens - 1) } },
        422,
        "invalid_input",
        `Text is ${
          maxTokens + 1
        } tokens long, but model distilbert-sentiment takes at most ${maxTokens} tokens (special tokens included); shorten the text`,
      );
      await expect(
        "invalid UTF-8 bytes",
        "/v1/explain",
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: new Uint8Array([
            ...new TextEncoder().encode('{"text": "a'),
            0xc3,
            0x28,
            0x22,
            0x7d,
          ]),
        },
        400,
        "malformed_body",
        "The request body is not valid UTF-8",
      );
      await expect(
        "invalid UTF-8 in a query",
        "/v1/explain.svg?text=%C3%28",
        {},
        400,
        "malformed_query",
      );
      await expect(
        "a lone surrogate",
        "/v1/explain",
        { json: '{"text": "bad \\udc00 text"}' },
        422,
        "invalid_input",
        "Text has a lone surrogate (U+DC00) at index 4; send well-formed Unicode",
      );

      for (
        const [name, text] of [["zero-width characters", "zero\u200bwidth\u200d joiner\ufeff"], [
          "right-to-left text",
          "مرحبا بالعالم שלום",
        ], ["emoji", "I love 🍕 and 👩‍👩‍👧 🎉"]]
      ) {
        await t.step(name, async () => {
          const r = await send(server, "/v1/explain", { json: { text } });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          const tokens = r.body.tokens as { start: number; end: number; special: boolean }[];
          for (const token of tokens) {
            assert.ok(0 <= token.start && token.start <= token.end && token.end <= text.length);
          }
          assert.equal((r.body.scores as number[]).length, tokens.length);
          await alive();
        });
      }

      await expect(
        "huge body (declared length)",
        "/v1/explain",
        { json: JSON.stringify({ text: "a".repeat(10_000_000) }) },
        413,
        "body_too_large",
        "The request body is 10000011 bytes; the limit is 65536 bytes",
      );
      await t.step("huge body (chunked, no length)", async () => {
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent > 50_000_000) return controller.close();
            sent += 65536;
            controller.enqueue(new Uint8Array(65536).fill(0x61));
          },
        });
        const r = await send(server, "/v1/explain", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        assert.equal(r.status, 413);
        assert.equal(r.body.error?.code, "body_too_large");
        await alive();
      });
      const nested = '{"text": "a", "params": {"window": ' + "[".repeat(20_000) +
        "]".repeat(20_000) + "}}";
      await expect(
        "deeply nested JSON in options",
        "/v1/explain",
        { json: nested },
        422,
        "invalid_request",
        /^Invalid request: params\.window: /,
      );
      await expect(
        "deeply nested JSON document",
        "/v1/explain",
        { json: "[".repeat(30_000) + "]".repeat(30_000) },
        422,
        "invalid_request",
      );
      await expect(
        "__proto__ key in the body",
        "/v1/explain",
        { json: '{"text": "a", "__proto__": {"method": "x"}}' },
        422,
        "invalid_request",
        'Invalid request: (body): Unrecognized key: "__proto__"',
      );
      await expect(
        "__proto__ key in options",
        "/v1/explain",
        { json: '{"text": "a", "params": {"__proto__": {"window": 3}}}' },
        422,
        "invalid_option",
        /^Cannot run occlusion: unknown option "__proto__"/,
      );
      await expect(
        "constructor key in options",
        "/v1/explain",
        { json: { text: "a", params: { constructor: 1 } } },
        422,
        "invalid_option",
        /^Cannot run occlusion: unknown option "constructor"/,
      );

      await expect(
        "NaN option (JSON cannot say NaN)",
        "/v1/explain",
        { json: '{"text": "a", "params": {"window": NaN}}' },
        400,
        "malformed_json",
      );
      await expect(
        "NaN option (query)",
        "/v1/explain.svg?text=a&params.window=NaN",
        {},
        422,
        "invalid_option",
        'Cannot run occlusion: "window" must be a finite number, current value is NaN',
      );
      await expect(
        "Infinity option (query)",
        "/v1/explain.svg?text=a&params.window=Infinity",
        {},
        422,
        "invalid_option",
        'Cannot run occlusion: "window" must be a finite number, current value is Infinity',
      );
      await expect(
        "huge number option",
        "/v1/explain",
        { json: '{"text": "a", "params": {"window": 1e400}}' },
        422,
        "invalid_request",
      );
      await expect(
        "negative option",
        "/v1/explain",
        { json: { text: "a", params: { window: -2 } } },
        422,
        "invalid_option",
        'Cannot run occlusion: "window" must be >= 1, current value is -2',
      );
      await expect(
        "fractional option",
        "/v1/explain",
        { json: { text: "a", params: { window: 2.5 } } },
        422,
        "invalid_option",
        'Cannot run occlusion: "window" must be an integer, current value is 2.5',
      );
      await expect(
        "string option",
        "/v1/explain",
        { json: { text: "a", params: { window: "two" } } },
        422,
        "invalid_option",
        'Cannot run occlusion: "window" must be a finite number, current value is "two"',
      );
      await expect(
        "string option (query)",
        "/v1/explain.svg?text=a&params.window=two",
        {},
        422,
        "invalid_option",
        'Cannot run occlusion: "window" must be a finite number, current value is "two"',
      );
      await expect(
        "unknown option",
        "/v1/explain",
        { json: { text: "a", params: { steps: 3 } } },
        422,
        "invalid_option",
        'Cannot run occlusion: unknown option "steps"; allowed options are window, replacement',
      );
      await expect(
        "negative topK",
        "/v1/predict",
        { json: { text: "a", topK: -1 } },
        422,
        "invalid_request",
      );
      await expect(
        "string topK",
        "/v1/predict",
        { json: { text: "a", topK: "5" } },
        422,
        "invalid_request",
      );
      for (
        const id of ["toString", "__proto__", "constructor", "hasOwnProperty", "OCCLUSION", ""]
      ) {
        await expect(
          `unknown method ${JSON.stringify(id)}`,
          "/v1/explain",
          { json: { text: "a", method: id } },
          422,
          "unknown_method",
          new RegExp(`^Unknown method ${JSON.stringify(id)}: known methods are `),
        );
      }
      await expect(
        "unknown model",
        "/v1/explain",
        { json: { text: "a", model: "../../etc/passwd" } },
        404,
        "unknown_model",
      );

      for (
        const type of [
          "text/plain",
          "multipart/form-data; boundary=x",
          "application/xml",
          "application/json; charset=utf-16",
        ]
      ) {
        await expect(
          `content type ${type}`,
          "/v1/explain",
          { method: "POST", headers: { "content-type": type }, body: '{"text": "a"}' },
          415,
          "unsupported_media_type",
        );
      }
      await expect(
        "no content type",
        "/v1/explain",
        { method: "POST", body: new Uint8Array(new TextEncoder().encode('{"text": "a"}')) },
        415,
        "unsupported_media_type",
      );
      for (
        const [method, path, allow] of [
          ["GET", "/v1/explain", "POST, OPTIONS"],
          ["PUT", "/v1/predict", "POST, OPTIONS"],
          ["DELETE", "/v1/models", "GET, HEAD, OPTIONS"],
          ["POST", "/v1/explain.svg", "GET, HEAD, OPTIONS"],
          ["PATCH", "/metrics", "GET, HEAD, OPTIONS"],
        ]
      ) {
        await t.step(`${method} ${path}`, async () => {
          const r = await send(server, path, { method });
          assert.equal(r.status, 405);
          assert.equal(r.body.error?.code, "method_not_allowed");
          assert.equal(r.headers.get("allow"), allow);
        });
      }

      await t.step(
        "a client that disconnects mid-stream cancels its computation",
        () => expectCancelledOnDisconnect(server),
      );

      await t.step("no request got a 5xx", async () => {
        const metrics = (await send(server, "/metrics")).body.text as string;
        // /readyz answers 503 while the model loads, as documented.
        const fivexx = metrics.split("\n").filter((l) =>
          /^glassbox_http_requests_total\{.*status="5\d\d"\}/.test(l) && !l.includes("/readyz")
        );
        assert.deepEqual(fivexx, []);
      });
    } finally {
      await server.stop();
    }
  },
});
