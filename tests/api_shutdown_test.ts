/**
 * Graceful shutdown of the Deno server process (`apps/api/deno.ts`): on SIGTERM it stops taking
 * requests (503 `not_ready`, connection closed), lets a request in flight finish, and exits 0; a request that would outlive
 * `GLASSBOX_SHUTDOWN_MS` is cancelled at that deadline, and the process still exits 0. The request
 * in flight is one whose body arrives in two parts, so the test decides when it can finish.
 */
import assert from "node:assert/strict";
import { type Server, startDeno } from "./api_servers.ts";
import { readAnswer, sendHead } from "./api_raw_http.ts";

const BODY = '{"text": "What a wonderful day"}';

/** A predict request whose head and first body bytes are sent; the rest is up to the caller. */
function halfSent(server: Server): Promise<Deno.Conn> {
  return sendHead(server.origin, [
    "POST /v1/predict HTTP/1.1",
    "Content-Type: application/json",
    `Content-Length: ${BODY.length}`,
  ]).then(async (conn) => {
    await conn.write(new TextEncoder().encode(BODY.slice(0, 10)));
    return conn;
  });
}

/** What a new request gets while the server drains: 503, or no connection once it has closed. */
async function refused(server: Server): Promise<boolean> {
  try {
    const r = await fetch(`${server.origin}/healthz`);
    const body = await r.json();
    return r.status === 503 && body.error.code === "not_ready" &&
      r.headers.get("connection") === "close";
  } catch {
    return true;
  }
}

Deno.test({
  name: "SIGTERM: stop accepting, finish the request in flight, exit 0",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startDeno({ GLASSBOX_MODELS: "distilbert-sentiment" });
    try {
      const conn = await halfSent(server);
      // Time for the server to take the request in, on a busy machine too.
      await new Promise((r) => setTimeout(r, 1500));
      server.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(await refused(server), "a new request was served after SIGTERM");
      await conn.write(new TextEncoder().encode(BODY.slice(10)));
      const answer = await readAnswer(conn);
      conn.close();
      assert.equal(answer?.status, 200, `${JSON.stringify(answer)}\n${server.stderr()}`);
      const { predictions } = JSON.parse(answer!.body);
      assert.deepEqual(predictions.map((p: { label: string }) => p.label).sort(), [
        "NEGATIVE",
        "POSITIVE",
      ]);
      const status = await server.status;
      assert.equal(status.code, 0, server.stderr());
      assert.match(server.stdout(), /SIGTERM: finishing in-flight requests \(up to 10000 ms\)/);
      assert.doesNotMatch(server.stdout(), /Shutdown deadline passed/);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "SIGTERM: a request past the shutdown deadline is cancelled, exit 0",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startDeno({
      GLASSBOX_MODELS: "distilbert-sentiment",
      GLASSBOX_SHUTDOWN_MS: "1000",
    });
    try {
      // The rest of this body never comes.
      const conn = await halfSent(server);
      // Time for the server to take the request in, on a busy machine too.
      await new Promise((r) => setTimeout(r, 1500));
      const signalled = performance.now();
      server.kill("SIGTERM");
      const status = await server.status;
      const ms = performance.now() - signalled;
      assert.equal(status.code, 0, server.stderr());
      assert.ok(ms >= 1000 && ms < 1000 + 5000, `exited ${ms.toFixed(0)} ms after SIGTERM`);
      assert.match(
        server.stdout(),
        /Shutdown deadline passed: cancelling the requests still running/,
      );
      assert.equal(await readAnswer(conn), undefined, "the cancelled request got no answer");
      conn.close();
    } finally {
      await server.stop();
    }
  },
});
