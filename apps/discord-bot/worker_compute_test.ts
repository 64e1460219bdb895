import assert from "node:assert/strict";
import { workerCompute } from "./worker_compute.ts";

const checked = { text: "hello", model: "broken", method: "occlusion" };

Deno.test("workerCompute: errors come back from the worker as ephemeral reasons", async () => {
  const warm = Promise.withResolvers<string | undefined>();
  const logged: string[] = [];
  const worker = workerCompute({
    models: { broken: "/nonexistent/glassbox-model" },
    timeoutSeconds: 5,
    onWarm: warm.resolve,
    logError: (message) => logged.push(message),
  });
  try {
    assert.match(String(await warm.promise), /Cannot load model file .*nonexistent/);
    assert.deepEqual(await worker.compute("explain", checked), {
      content: "Could not explain: the model could not be loaded on the server; try another model",
      ephemeral: true,
    });
    assert.deepEqual(logged, []);
  } finally {
    worker.close();
  }
});

Deno.test("workerCompute: a stuck worker is replaced and the command fails with a reason", async () => {
  // A model URL whose server never answers keeps the worker waiting forever.
  const hang = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async () => {
    await hang.promise;
    return new Response("late", { status: 503 });
  });
  const logged: string[] = [];
  const worker = workerCompute({
    models: {
      stuck: `http://127.0.0.1:${server.addr.port}/model/`,
      broken: "/nonexistent/glassbox-model",
    },
    timeoutSeconds: 1,
    stuckGraceMs: 500,
    logError: (message) => logged.push(message),
  });
  try {
    const started = performance.now();
    const reply = await worker.compute("predict", { ...checked, model: "stuck" });
    const elapsed = performance.now() - started;
    assert.deepEqual(reply, {
      content:
        "Could not predict: it took longer than 1 s and was stopped; try a shorter text or the occlusion method",
      ephemeral: true,
    });
    // Never before timeout + grace; the worker's start-up comes on top.
    assert.ok(elapsed >= 1500, `replaced after ${elapsed} ms`);
    assert.deepEqual(logged, [
      "Compute worker gave no answer 1 s + 0.5 s after a command; replaced",
    ]);
    // A new worker takes the next command.
    const next = await worker.compute("predict", checked);
    assert.match(next.content, /^Could not predict: the model could not be loaded/);
  } finally {
    worker.close();
    hang.resolve();
    await server.shutdown();
  }
});
