/**
 * Regression tests of the resource holes that probing `npm start` found (issue 17), each against a
 * real server process: Deno (`apps/api/deno.ts`) and, where the hole applies there, workerd. Every
 * test failed before its fix. Resident memory is read from `/proc/<pid>/status` of the server.
 */
import assert from "node:assert/strict";
import { ERROR_CODES } from "@glassbox/api/errors";
import { type Server, startDeno, startWorkerd } from "./api_servers.ts";
import { Signer } from "./api_discord_signer.ts";
import { type RawAnswer, readAnswer } from "./api_raw_http.ts";

const APPLICATION_ID = "1100000000000000001";
const MODEL = "gpt2-tiny";
const MiB = 1024 * 1024;

/** Resident memory of a process, in MB. */
async function rssMb(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(status.match(/VmRSS:\s+(\d+) kB/)![1]) / 1024;
}

/** Samples a process's resident memory every 50 ms until stopped; returns the peak in MB. */
function watchRss(pid: number): () => Promise<number> {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await rssMb(pid));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return async () => {
    running = false;
    await loop;
    return Math.max(peak, await rssMb(pid));
  };
}

/**
 * Uploads a chunked body of `total` bytes, `chunk` bytes at a time with a pause after each (so that
 * socket buffers do not hide how much the server read), until the server answers or closes.
 *
 * @returns The answer and how many body bytes were written before it came.
 */
async function chunkedUpload(
  server: Server,
  path: string,
  headers: Record<string, string>,
  total: number,
  chunk = 64 * 1024,
): Promise<{ answer?: RawAnswer; sent: number }> {
  const { hostname, port } = new URL(server.origin);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const encoder = new TextEncoder();
  const head = [
    `POST ${path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    "Transfer-Encoding: chunked",
    "Connection: close",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ].join("\r\n") + "\r\n\r\n";
  let answered = false;
  const answer = readAnswer(conn).finally(() => (answered = true));
  let sent = 0;
  try {
    await conn.write(encoder.encode(head));
    const data = new Uint8Array(chunk).fill(0x20);
    const frame = new Uint8Array([
      ...encoder.encode(chunk.toString(16) + "\r\n"),
      ...data,
      ...encoder.encode("\r\n"),
    ]);
    while (!answered && sent < total) {
      await conn.write(frame);
      sent += chunk;
      await new Promise((r) => setTimeout(r, 2));
    }
    if (!answered) await conn.write(encoder.encode("0\r\n\r\n"));
  } catch {
    // The server closed the connection: it read no more.
  }
  const result = { answer: await answer, sent };
  conn.close();
  return result;
}

/** Sends the head and the first bytes of a body, then nothing; times the answer. */
async function slowBody(
  server: Server,
  path: string,
  headers: Record<string, string>,
): Promise<{ answer?: RawAnswer; ms: number }> {
  const { hostname, port } = new URL(server.origin);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const started = performance.now();
  const head = [
    `POST ${path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    "Content-Length: 100",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ].join("\r\n") + '\r\n\r\n{"te';
  await conn.write(new TextEncoder().encode(head));
  // A server without the fix waits for the rest forever: give up after 10 s.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const answer = await Promise.race([
    readAnswer(conn),
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 10_000))),
  ]);
  clearTimeout(timer);
  conn.close();
  return { answer, ms: performance.now() - started };
}

async function errorOf(response: Response) {
  const body = await response.json();
  return { status: response.status, ...body.error };
}

/** Signs and posts an interaction body as Discord would. */
async function interaction(server: Server, signer: Signer, body: string) {
  const response = await fetch(`${server.origin}/discord/interactions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...await signer.headers(body) },
    body,
  });
  return { status: response.status, json: await response.json() };
}

const explainCommand = (token: string, userId: string, text = "good") =>
  JSON.stringify({
    type: 2,
    token,
    member: { user: { id: userId } },
    data: { name: "explain", options: [{ name: "text", type: 3, value: text }] },
  });

/** Hole 1: the interactions endpoint cuts a chunked body off by 1 MiB, memory stays flat. */
async function expectChunkedCutOff(server: Server) {
  const before = await rssMb(server.pid);
  const peak = watchRss(server.pid);
  const { answer, sent } = await chunkedUpload(server, "/discord/interactions", {
    "Content-Type": "application/json",
  }, 64 * MiB);
  const grown = (await peak()) - before;
  assert.equal(answer?.status, 413, `answer: ${JSON.stringify(answer)}\n${server.stderr()}`);
  assert.equal(JSON.parse(answer!.body).error.code, "body_too_large");
  assert.ok(sent <= MiB, `the server let ${sent} bytes in before refusing`);
  assert.ok(grown < 50, `RSS grew by ${grown.toFixed(1)} MB`);
}

Deno.test({
  name: "holes against a Deno server: body, memory, time and shape limits",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const signer = await Signer.create();
    const server = await startDeno({
      GLASSBOX_MODELS: MODEL,
      DISCORD_PUBLIC_KEY: signer.publicKey,
      DISCORD_APPLICATION_ID: APPLICATION_ID,
      GLASSBOX_TIMEOUT_MS: "15000",
      GLASSBOX_CONCURRENCY: "1",
      GLASSBOX_QUEUE_SIZE: "0",
    });
    try {
      await t.step(
        "1: a chunked 64 MiB upload to /discord/interactions is cut off",
        () => expectChunkedCutOff(server),
      );

      await t.step("3: 100 parallel model downloads: some 429s, RSS bounded", async () => {
        const url = `${server.origin}/models/${MODEL}/onnx/model.onnx`;
        const size =
          (await Deno.stat(new URL(`../models/${MODEL}/onnx/model.onnx`, import.meta.url)))
            .size;
        const before = await rssMb(server.pid);
        const peak = watchRss(server.pid);
        const statuses = await Promise.all(Array.from({ length: 100 }, async () => {
          const response = await fetch(url);
          const bytes = await response.arrayBuffer();
          if (response.ok) assert.equal(bytes.byteLength, size);
          else assert.equal(JSON.parse(new TextDecoder().decode(bytes)).error.code, "queue_full");
          return response.status;
        }));
        const grown = (await peak()) - before;
        const ok = statuses.filter((s) => s === 200).length;
        const refused = statuses.filter((s) => s === 429).length;
        assert.equal(ok + refused, 100, `statuses: ${statuses}`);
        assert.ok(ok >= 1 && refused >= 1, `${ok} served, ${refused} refused`);
        // Before the fix every download held its own copy: 100 x 13.6 MB.
        assert.ok(grown < 200, `RSS grew by ${grown.toFixed(1)} MB for a ${size} byte file`);
      });

      await t.step("5: a body that stops coming gets 408 within the request timeout", async () => {
        for (
          const [path, headers] of [["/v1/predict", {}], ["/discord/interactions", {}]] as const
        ) {
          const { answer, ms } = await slowBody(server, path, {
            ...headers,
            "Content-Type": "application/json",
          });
          assert.equal(answer?.status, 408, `${path}: ${JSON.stringify(answer)}`);
          assert.equal(JSON.parse(answer!.body).error.code, "request_timeout");
          assert.ok(ms < 15000 + 5000, `${path}: answered after ${ms} ms`);
        }
      });

      await t.step("6: validly signed but malformed interactions get 400", async () => {
        const malformed = [
          "null",
          "[]",
          '"ping"',
          '{"type": 2, "token": "t", "data": "explain"}',
          '{"type": 2, "token": "t", "data": {"name": "explain", "options": "text"}}',
          '{"type": 2, "token": "t", "data": {"name": "explain", "options": [null]}}',
          '{"type": 2, "token": "t", "data": {"name": "explain", "options": [{"name": "text", "value": {"toString": 1}}]}}',
          '{"type": 2, "token": "t", "member": 5, "data": {"name": "explain", "options": []}}',
        ];
        for (const body of malformed) {
          const r = await interaction(server, signer, body);
          assert.equal(r.status, 400, `${body}: ${JSON.stringify(r.json)}`);
          assert.equal(r.json.error.code, "malformed_body", body);
          assert.match(r.json.error.message, /^The body is not a Discord interaction: /, body);
        }
        const notJson = await interaction(server, signer, "{");
        assert.equal(notJson.status, 400);
        assert.equal(notJson.json.error.code, "malformed_json");
      });

      await t.step(
        "7: picture width bounds are the renderer's: 239 is refused, 240 drawn",
        async () => {
          const low = await errorOf(
            await fetch(`${server.origin}/v1/explain.svg?text=good&width=239`),
          );
          assert.deepEqual([low.status, low.code], [422, "invalid_request"]);
          assert.equal(
            low.message,
            '"width" must be an integer from 240 to 2000, current value is "239"',
          );
          const ok = await fetch(`${server.origin}/v1/explain.svg?text=good&width=240`);
          assert.equal(ok.status, 200);
          assert.match(await ok.text(), /^<svg [^>]*width="240"/);
        },
      );

      await t.step("7: the Discord endpoint shares the API's computation slots", async () => {
        // The one slot is taken by a long API computation; the queue holds nothing.
        const controller = new AbortController();
        const stream = await fetch(`${server.origin}/v1/explain/stream`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            text: "great ".repeat(60),
            method: "integrated-gradients",
            params: { steps: 1024 },
          }),
          signal: controller.signal,
        });
        const reader = stream.body!.getReader();
        assert.match(new TextDecoder().decode((await reader.read()).value), /^event: progress\n/);
        const busy = await interaction(server, signer, explainCommand("tok-busy", "77"));
        controller.abort();
        await reader.closed.catch(() => {});
        assert.equal(busy.status, 200);
        assert.equal(busy.json.type, 4, JSON.stringify(busy.json));
        assert.equal(busy.json.data.flags, 64);
        assert.match(busy.json.data.content, /^The server is busy/);
      });

      await t.step(
        "7: every Discord endpoint error uses a documented code and details {}",
        async () => {
          const answers = [
            await fetch(`${server.origin}/discord/interactions`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: '{"type": 1}',
            }),
            await fetch(`${server.origin}/discord/interactions`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ type: 1, padding: "x".repeat(70_000) }),
            }),
            await fetch(`${server.origin}/discord/interactions`, {
              method: "POST",
              headers: { "content-type": "application/json", ...await signer.headers("{") },
              body: "{",
            }),
          ];
          const seen = [];
          for (const answer of answers) {
            const { error } = await answer.json();
            seen.push([answer.status, error.code]);
            assert.ok(error.code in ERROR_CODES, `undocumented code ${error.code}`);
            assert.equal(ERROR_CODES[error.code as keyof typeof ERROR_CODES], answer.status);
            assert.ok(
              typeof error.details === "object" && error.details !== null,
              `details: ${JSON.stringify(error.details)}`,
            );
          }
          assert.deepEqual(seen, [[401, "invalid_signature"], [413, "body_too_large"], [
            400,
            "malformed_json",
          ]]);
        },
      );

      await t.step("7: /metrics and /readyz are not readable cross-origin", async () => {
        const origin = { origin: "https://elsewhere.example" };
        for (const path of ["/metrics", "/readyz"]) {
          const r = await fetch(server.origin + path, { headers: origin });
          await r.body?.cancel();
          assert.equal(r.status, 200);
          assert.equal(r.headers.get("access-control-allow-origin"), null, path);
          assert.equal(r.headers.get("cross-origin-resource-policy"), "same-origin", path);
          const preflight = await fetch(server.origin + path, {
            method: "OPTIONS",
            headers: { ...origin, "access-control-request-method": "GET" },
          });
          await preflight.body?.cancel();
          assert.equal(preflight.headers.get("access-control-allow-origin"), null, path);
        }
        const api = await fetch(`${server.origin}/v1/models`, { headers: origin });
        await api.body?.cancel();
        assert.equal(api.headers.get("access-control-allow-origin"), "*");
      });
    } finally {
      await server.stop();
    }
  },
});

/** Asks for a rate-limited route `n` times with the given address headers; returns the statuses. */
async function statuses(server: Server, n: number, headers: (i: number) => Record<string, string>) {
  const out = [];
  for (let i = 0; i < n; i++) {
    // No Content-Type: refused with 415 after the rate limit took its token, so nothing computes.
    const r = await fetch(`${server.origin}/v1/predict`, {
      method: "POST",
      headers: headers(i),
      body: "{}",
    });
    await r.body?.cancel();
    out.push(r.status);
  }
  return out;
}

Deno.test({
  name: "2 and 3: spoofed X-Forwarded-For chains are still rate-limited (Deno)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const oneHop = await startDeno({
      GLASSBOX_MODELS: MODEL,
      GLASSBOX_RATE_LIMIT: "0.01/5",
      GLASSBOX_CLIENT_IP_HEADER: "x-forwarded-for",
    });
    const twoHops = await startDeno({
      GLASSBOX_MODELS: MODEL,
      GLASSBOX_RATE_LIMIT: "0.01/5",
      GLASSBOX_CLIENT_IP_HEADER: "x-forwarded-for",
      GLASSBOX_TRUSTED_PROXIES: "2",
    });
    try {
      await t.step("one trusted proxy: the right-most address is the client", async () => {
        const spoofed = await statuses(oneHop, 10, (i) => ({
          "x-forwarded-for": `198.51.100.${i}, 203.0.113.7`,
        }));
        assert.deepEqual(spoofed, [415, 415, 415, 415, 415, 429, 429, 429, 429, 429]);
        // Another client behind the same proxy has its own bucket.
        assert.deepEqual(
          await statuses(oneHop, 1, () => ({ "x-forwarded-for": "203.0.113.8" })),
          [415],
        );
      });
      await t.step("two trusted proxies: the second address from the right", async () => {
        const spoofed = await statuses(twoHops, 8, (i) => ({
          "x-forwarded-for": `198.51.100.${i}, 203.0.113.7, 10.0.0.1`,
        }));
        assert.deepEqual(spoofed, [415, 415, 415, 415, 415, 429, 429, 429]);
      });
      await t.step("3: model downloads are rate-limited like the rest", async () => {
        const codes = [];
        for (let i = 0; i < 8; i++) {
          const r = await fetch(`${oneHop.origin}/models/${MODEL}/config.json`, {
            headers: { "x-forwarded-for": "203.0.113.9" },
          });
          codes.push(r.ok ? (await r.json()).architectures[0] : (await r.json()).error.code);
        }
        assert.deepEqual(codes, [
          ...Array(5).fill("GPT2LMHeadModel"),
          ...Array(3).fill("rate_limited"),
        ]);
      });
    } finally {
      await Promise.all([oneHop.stop(), twoHops.stop()]);
    }
  },
});

Deno.test({
  name: "4: a model that cannot load is reported by id and kind of failure, never by path",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "glassbox-models-" });
    await Deno.mkdir(`${dir}/missing`);
    await Deno.mkdir(`${dir}/garbled`);
    await Deno.writeTextFile(`${dir}/garbled/config.json`, "{");
    const server = await startDeno(
      { GLASSBOX_MODELS: "missing,garbled", GLASSBOX_MODELS_DIR: dir },
      "/healthz",
    );
    const expected = {
      missing: 'Model "missing" cannot be loaded: config.json: file not found',
      garbled: /^Model "garbled" cannot be loaded: config\.json: not valid JSON \(/,
    };
    const noPath = (where: string, text: string) => {
      assert.ok(!text.includes(dir), `${where} names the directory: ${text}`);
      assert.doesNotMatch(text, /(?:^|[\s"'(:])\/[\w.-]+\/|file:\/\//, `${where}: ${text}`);
    };
    try {
      for (const [id, message] of Object.entries(expected)) {
        const q = `text=good&model=${id}`;
        const answers = [
          await fetch(`${server.origin}/v1/predict`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ text: "good", model: id }),
          }),
          await fetch(`${server.origin}/v1/explain`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ text: "good", model: id }),
          }),
          await fetch(`${server.origin}/v1/explain.svg?${q}`),
          await fetch(`${server.origin}/v1/explain.png?${q}`),
          await fetch(`${server.origin}/models/${id}/config.json`),
        ];
        for (const answer of answers) {
          const text = await answer.text();
          noPath(answer.url, text);
          const { error } = JSON.parse(text);
          assert.equal(answer.status, 503, `${answer.url}: ${text}`);
          assert.equal(error.code, "model_unavailable");
          if (typeof message === "string") assert.equal(error.message, message);
          else assert.match(error.message, message);
        }
        const stream = await fetch(`${server.origin}/v1/explain/stream`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text: "good", model: id }),
        });
        const events = await stream.text();
        noPath("stream", events);
        assert.match(events, /event: error\n/);
      }
      for (const path of ["/readyz", "/v1/models"]) {
        noPath(path, await (await fetch(server.origin + path)).text());
      }
      // The pages link their own routes and papers: only the directory must not show.
      for (const path of ["/docs", "/v1/methods"]) {
        const text = await (await fetch(server.origin + path)).text();
        assert.ok(!text.includes(dir), `${path} names the directory`);
      }
      const models = await (await fetch(`${server.origin}/v1/models`)).json();
      assert.equal(models.unavailable[0].error, expected.missing);
      const ready = await (await fetch(`${server.origin}/readyz`)).json();
      assert.equal(ready.error.details.models.missing, `failed: ${expected.missing}`);
      // The server log has the full story, paths included.
      assert.ok(server.stderr().includes(`${dir}/missing/config.json`), server.stderr());
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "1 and 2 in workerd: chunked uploads cut off, CF-Connecting-IP not trusted unless configured",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const signer = await Signer.create();
    const server = await startWorkerd({
      GLASSBOX_MODELS: MODEL,
      GLASSBOX_RATE_LIMIT: "0.01/5",
      DISCORD_PUBLIC_KEY: signer.publicKey,
      DISCORD_APPLICATION_ID: APPLICATION_ID,
    });
    try {
      await t.step("1: a chunked 64 MiB upload is cut off", () => expectChunkedCutOff(server));
      await t.step("2: varied CF-Connecting-IP from one client is still limited", async () => {
        const spoofed = await statuses(server, 10, (i) => ({
          "cf-connecting-ip": `198.51.100.${i}`,
        }));
        assert.deepEqual(spoofed.slice(5), [429, 429, 429, 429, 429], `statuses: ${spoofed}`);
      });
    } finally {
      await server.stop();
    }
  },
});
