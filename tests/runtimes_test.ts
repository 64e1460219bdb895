/**
 * The same model and text give the same predictions, within 1e-5, in Deno, in Node and in a headless
 * Chromium page (onnxruntime-web everywhere), for both bundled models; and every gradient method gives
 * the same scores (within 1e-4 of the largest) in all three.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { explainAll, predictAll } from "./runtimes/entry.ts";
import { bundle, CHROMIUM, CHROMIUM_ARGS, haveTool, ROOT } from "./runtimes/harness.ts";

const TEXTS = [
  "What a wonderful, happy day!",
  "我们 love 可解释性 🙂 models",
  "The results were terrible",
];
const MODELS = ["distilbert-sentiment", "gpt2-tiny"];
type Result = Awaited<ReturnType<typeof predictAll>>;

function assertSame(actual: Result, expected: Result, where: string) {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, i) => {
    assert.deepEqual(row.tokens, expected[i].tokens, `${where}: tokens of text ${i}`);
    row.predictions.forEach(([id, logit, p], k) => {
      const [eid, elogit, ep] = expected[i].predictions[k];
      assert.equal(id, eid, `${where}: text ${i} prediction ${k}`);
      assert.ok(
        Math.abs(logit - elogit) < 1e-5 && Math.abs(p - ep) < 1e-5,
        `${where}: text ${i} #${k} ${logit} vs ${elogit}`,
      );
    });
  });
}

const expected = new Map<string, Result>();
for (const name of MODELS) {
  expected.set(name, await predictAll(new URL(`models/${name}/`, ROOT).href, TEXTS));
}

/** Every gradient method on both demo models, computed here in Deno. */
const GRADIENT_TEXT = "The service was terrible but the food was great";
const gradients = new Map<string, Record<string, number[]>>();
for (const name of MODELS) {
  gradients.set(name, await explainAll(new URL(`models/${name}/`, ROOT).href, GRADIENT_TEXT));
}

function assertSameScores(
  actual: Record<string, number[]>,
  expected: Record<string, number[]>,
  where: string,
) {
  assert.deepEqual(Object.keys(actual), Object.keys(expected));
  for (const [method, scores] of Object.entries(expected)) {
    const scale = Math.max(...scores.map(Math.abs));
    scores.forEach((s, i) =>
      assert.ok(
        Math.abs(actual[method][i] - s) <= 1e-4 * scale,
        `${where} ${method} token ${i}: ${actual[method][i]} vs ${s}`,
      )
    );
  }
}

Deno.test("Node gives the same predictions and gradient scores as Deno", async () => {
  const file = await bundle(
    new URL("runtimes/entry.ts", import.meta.url),
    "runtimes-node.mjs",
    "node",
  );
  for (const name of MODELS) {
    const script = `import { predictAll } from ${JSON.stringify(file)};
      console.log(JSON.stringify(await predictAll(${
      JSON.stringify(new URL(`models/${name}/`, ROOT).href)
    }, ${JSON.stringify(TEXTS)})));`;
    const { code, stdout, stderr } = await new Deno.Command("node", {
      args: ["--input-type=module", "-e", script],
      cwd: ROOT,
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assertSame(JSON.parse(new TextDecoder().decode(stdout)), expected.get(name)!, `node ${name}`);
    const gradientScript = `import { explainAll } from ${JSON.stringify(file)};
      console.log(JSON.stringify(await explainAll(${
      JSON.stringify(new URL(`models/${name}/`, ROOT).href)
    }, ${JSON.stringify(GRADIENT_TEXT)})));`;
    const g = await new Deno.Command("node", {
      args: ["--input-type=module", "-e", gradientScript],
      cwd: ROOT,
    }).output();
    assert.equal(g.code, 0, new TextDecoder().decode(g.stderr));
    assertSameScores(
      JSON.parse(new TextDecoder().decode(g.stdout)),
      gradients.get(name)!,
      `node ${name}`,
    );
  }
});

Deno.test({
  name: "a Chromium page gives the same predictions and gradient scores as Deno",
  ignore: !haveTool(CHROMIUM, "the Chromium runtime test"),
  async fn() {
    const file = await bundle(
      new URL("runtimes/entry.ts", import.meta.url),
      "runtimes-browser.js",
      "browser",
    );
    const types: Record<string, string> = {
      js: "text/javascript",
      mjs: "text/javascript",
      wasm: "application/wasm",
      json: "application/json",
    };
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      async (request) => {
        const path = decodeURIComponent(new URL(request.url).pathname);
        let file_: URL | string | undefined;
        if (path === "/") {
          return new Response(
            `<!doctype html><script type="module">import * as m from "/entry.js"; window.entry = m;</script>`,
            { headers: { "content-type": "text/html" } },
          );
        }
        if (path === "/entry.js") file_ = file;
        else if (path.startsWith("/ort/")) {
          file_ = new URL(`node_modules/onnxruntime-web/dist/${path.slice(5)}`, ROOT);
        } else if (
          (path.startsWith("/models/") || path.startsWith("/testdata/")) && !path.includes("..")
        ) {
          file_ = new URL(path.slice(1), ROOT);
        }
        if (!file_) return new Response("not found", { status: 404 });
        try {
          const body = await Deno.readFile(file_);
          return new Response(body, {
            headers: {
              "content-type": types[path.split(".").pop()!] ?? "application/octet-stream",
            },
          });
        } catch {
          return new Response("not found", { status: 404 });
        }
      },
    );
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${server.addr.port}/`);
      await page.waitForFunction(() =>
        (globalThis as unknown as { entry?: unknown }).entry !== undefined
      );
      for (const name of MODELS) {
        const result = await page.evaluate(
          ([base, texts]) =>
            (globalThis as unknown as { entry: typeof import("./runtimes/entry.ts") }).entry
              .predictAll(base as string, texts as string[], "/ort/"),
          [`http://127.0.0.1:${server.addr.port}/models/${name}/`, TEXTS] as const,
        );
        assertSame(result, expected.get(name)!, `chromium ${name}`);
        const scores = await page.evaluate(
          ([base, text]) =>
            (globalThis as unknown as { entry: typeof import("./runtimes/entry.ts") }).entry
              .explainAll(
                base as string,
                text as string,
                "/ort/",
              ),
          [`http://127.0.0.1:${server.addr.port}/models/${name}/`, GRADIENT_TEXT] as const,
        );
        assertSameScores(scores, gradients.get(name)!, `chromium ${name}`);
      }
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
