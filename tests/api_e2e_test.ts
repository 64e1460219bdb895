/**
 * The API as real server processes in three runtimes: Deno (`apps/api/deno.ts`), Node (the esbuild
 * bundle of `apps/api/node.ts` through @hono/node-server) and Cloudflare workerd (the Workers
 * bundle, wasm and fonts imported as modules, models read through a binding). The same requests
 * must give the same JSON (timings aside) and the same SVG from all three, on the wasm backend.
 */
import assert from "node:assert/strict";
import { type Server, startDeno, startNode, startWorkerd } from "./api_servers.ts";

const EXPLAIN = {
  text: "What a wonderful day, truly! 🙂",
  method: "occlusion",
  params: { window: 2 },
  output: "probability",
  topK: 2,
};

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
      assert.match(deno.svg, /^<svg /);
      others.forEach((other, i) => {
        const runtime = ["Node", "workerd"][i];
        assert.deepEqual(other.explain, deno.explain, `${runtime} explain differs from Deno's`);
        assert.deepEqual(other.predict, deno.predict, `${runtime} predict differs from Deno's`);
        assert.equal(other.svg, deno.svg, `${runtime} SVG differs from Deno's`);
        assert.deepEqual(other.models, deno.models, `${runtime} models differ from Deno's`);
      });

      // PNG through resvg's wasm imported as a module in workerd, and the SSE stream.
      const workerd = servers[2];
      const png = await fetch(`${workerd.origin}/v1/explain.png?text=Hello`);
      assert.equal(png.headers.get("content-type"), "image/png");
      const bytes = new Uint8Array(await png.arrayBuffer());
      assert.deepEqual([...bytes.subarray(0, 4)], [137, 80, 78, 71]);
      const stream = await fetch(`${workerd.origin}/v1/explain/stream`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(EXPLAIN),
      });
      const events = (await stream.text()).trim().split("\n\n").map((b) => b.split("\n")[0]);
      assert.equal(events[0], "event: progress");
      assert.equal(events.at(-1), "event: result");
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  },
});
