/**
 * The API as real server processes in three runtimes: Deno (`apps/api/deno.ts`), Node (the esbuild
 * bundle of `apps/api/node.ts` through @hono/node-server) and Cloudflare workerd (the Workers
 * bundle, wasm and fonts imported as modules, models read through a binding). The same requests
 * must give the same JSON (timings aside) and the same SVG from all three, on the wasm backend:
 * exactly from Deno and workerd; from Node 20 with numbers equal to 1e-12 relative, because its
 * older V8 (11.3) rounds Math.exp and Math.log differently in the last bit from Deno's (15.0).
 */
import assert from "node:assert/strict";
import {
  expectCancelledOnDisconnect,
  type Server,
  startDeno,
  startNode,
  startWorkerd,
} from "./api_servers.ts";

const EXPLAIN = {
  text: "What a wonderful day, truly! 🙂",
  method: "occlusion",
  params: { window: 2 },
  output: "probability",
  topK: 2,
};

/** Asserts equal JSON, numbers to `tolerance` relative (0: exactly). */
function assertSameJson(actual: unknown, expected: unknown, tolerance: number, where = "$"): void {
  if (typeof expected === "number" && typeof actual === "number") {
    const scale = Math.max(Math.abs(expected), Math.abs(actual), 1e-300);
    assert.ok(
      actual === expected || Math.abs(actual - expected) / scale <= tolerance,
      `${where}: ${actual} differs from ${expected} by more than ${tolerance} relative`,
    );
  } else if (expected !== null && typeof expected === "object") {
    assert.ok(actual !== null && typeof actual === "object", `${where}: not an object`);
    assert.deepEqual(Object.keys(actual as object), Object.keys(expected), `${where}: keys`);
    for (const [k, v] of Object.entries(expected)) {
      assertSameJson((actual as Record<string, unknown>)[k], v, tolerance, `${where}.${k}`);
    }
  } else {
    assert.equal(actual, expected, where);
  }
}

async function json(server: Server, path: string, body: unknown) {
  const response = await fetch(server.origin + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const result = await response.json();
  assert.equal(response.status, 200, `${JSON.stringify(result)}\n${server.stderr()}`);
  result.diagnostics.elapsedMs = 0;
  return result;
}

Deno.test({
  name: "Deno, Node and workerd give the same explain, predict and SVG answers",
  sanitizeResources: false,
  async fn() {
    // The two esbuild builds run one after the other: each stops esbuild's service when done.
    const servers = (await Promise.all([
      startDeno(),
      startNode().then(async (node) => [node, await startWorkerd()]),
    ])).flat();
    try {
      const [deno, ...others] = await Promise.all(servers.map(async (server) => ({
        explain: await json(server, "/v1/explain", EXPLAIN),
        predict: await json(server, "/v1/predict", { text: EXPLAIN.text }),
        lm: await json(server, "/v1/explain", { text: "The movie was", model: "gpt2-tiny" }),
        svg: await (await fetch(
          `${server.origin}/v1/explain.svg?text=${
            encodeURIComponent(EXPLAIN.text)
          }&params.window=2`,
        )).text(),
        models: await (await fetch(`${server.origin}/v1/models`)).json(),
      })));
      assert.equal(deno.explain.diagnostics.backend, "onnxruntime-web");
      assert.equal(deno.explain.method.id, "occlusion");
      assert.equal(deno.explain.scores.length, deno.explain.tokens.length);
      assert.equal(deno.lm.model.id, "gpt2-tiny");
      assert.equal(deno.lm.model.task, "text-generation");
      assert.match(deno.svg, /^<svg /);
      const [node, workerd] = others;
      assert.deepEqual(workerd.explain, deno.explain, "workerd explain differs from Deno's");
      assert.deepEqual(workerd.predict, deno.predict, "workerd predict differs from Deno's");
      assert.deepEqual(workerd.lm, deno.lm, "workerd gpt2-tiny explain differs from Deno's");
      assert.equal(workerd.svg, deno.svg, "workerd SVG differs from Deno's");
      assert.deepEqual(workerd.models, deno.models, "workerd models differ from Deno's");
      assertSameJson(node.explain, deno.explain, 1e-12, "node explain");
      assertSameJson(node.predict, deno.predict, 1e-12, "node predict");
      assertSameJson(node.lm, deno.lm, 1e-12, "node gpt2-tiny explain");
      assert.equal(node.svg, deno.svg, "Node SVG differs from Deno's");
      assert.deepEqual(node.models, deno.models, "Node models differ from Deno's");

      // PNG through resvg's wasm imported as a module in workerd; the SSE stream everywhere.
      const png = await fetch(`${servers[2].origin}/v1/explain.png?text=Hello`);
      assert.equal(png.headers.get("content-type"), "image/png");
      const bytes = new Uint8Array(await png.arrayBuffer());
      assert.deepEqual([...bytes.subarray(0, 4)], [137, 80, 78, 71]);
      for (const server of servers) {
        const stream = await fetch(`${server.origin}/v1/explain/stream`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(EXPLAIN),
        });
        const blocks = (await stream.text()).trim().split("\n\n");
        assert.equal(blocks[0].split("\n")[0], "event: progress");
        const [event, data] = blocks.at(-1)!.split("\n");
        assert.equal(event, "event: result");
        const result = JSON.parse(data.slice(6));
        result.diagnostics.elapsedMs = 0;
        assertSameJson(result, deno.explain, 1e-12, `${server.origin} stream`);
      }

      // On the wasm backend too, a client that goes away cancels its computation: the server
      // yields to the event loop between batches.
      await expectCancelledOnDisconnect(servers[0]);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  },
});
