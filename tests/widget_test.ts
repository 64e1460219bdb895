/**
 * `<glassbox-explain>` in real headless Chromium against a real API server process: the widget is
 * built fresh, `apps/api/deno.ts` runs on a free port, and a small static site (served here, with a
 * strict Content-Security-Policy) embeds the widget cross-origin, as a docs site would. Checks that
 * the chips carry the palette colours of the API's own scores, switching methods, keyboard reading,
 * errors, re-initialisation after a page swap, attention, on-device mode against the API (1e-5), and
 * axe-core, and the API's playground. Screenshots go to a temporary directory (printed) to look at;
 * `tests/widget_screenshot.ts` makes the committed docs/images/playground.png.
 *
 * Needs Debian's /usr/bin/chromium: skipped with a notice when absent, unless GLASSBOX_REQUIRE_TOOLS=1.
 */
/// <reference lib="dom" />
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { Explanation } from "@glassbox/core";
import { formatScore, maxAbsScore, scoreColor } from "@glassbox/render/palette";
import { displayUnits, type Level } from "@glassbox/render/units";
import { build, DIST } from "@glassbox/widget/build";
import { CHROMIUM, explanationOf, hasChromium, launch, open, startApi } from "./widget_browser.ts";

const ROOT = new URL("../", import.meta.url);
const TEXT = "What a wonderful, surprisingly moving film.";
/** A tiny DistilBERT classifier from testdata: fast, and always present in a fresh clone. */
const MODEL = "testdata/models/distilbert-tiny-opset14";
/** A tiny GPT-2, for a causal LM's next-token predictions. */
const LM = "testdata/models/gpt2-tiny-opset14";

const required = Deno.env.get("GLASSBOX_REQUIRE_TOOLS") === "1";
const present = hasChromium();
if (!present) {
  console.warn(
    `%cNOTICE: ${CHROMIUM} not found; the widget browser tests are ${
      required ? "FAILING (GLASSBOX_REQUIRE_TOOLS=1)" : "skipped"
    }. Install Debian's chromium to run them.`,
    "color: orange",
  );
}

const TYPES: Record<string, string> = {
  js: "text/javascript",
  mjs: "text/javascript",
  wasm: "application/wasm",
  json: "application/json",
  onnx: "application/octet-stream",
};

/**
 * The embedding site: test pages with a strict CSP (no inline scripts or styles), the built widget
 * under /widget/, the model's files under /models/ID/ for on-device mode, and axe-core.
 */
/**
 * A canned API under /fake/ for what the real one cannot show on demand: a slow method that reports
 * progress over SSE, and an attention matrix (with layer and head options) built on a real
 * explanation's tokens. Records the bodies it was sent.
 */
function fakeApi(template: Explanation) {
  const requests: Record<string, unknown>[] = [];
  const methods = [
    { id: "occlusion", kind: "perturbation", description: "", options: [], needs: {} },
    {
      id: "attention",
      kind: "internals",
      description: "",
      options: ["layer", "head"].map((name) => ({
        name,
        type: "integer",
        default: undefined,
        min: 0,
        max: 1,
        description: "",
      })),
      needs: { attention: true },
    },
  ];
  async function handle(req: Request, path: string): Promise<Response> {
    if (path === "/v1/methods") return Response.json({ methods });
    const body = await req.json();
    requests.push(body);
    const n = template.tokens.length;
    const layer = body.params?.layer as number | undefined;
    const e: Explanation = {
      ...template,
      method: { id: body.method, output: "logit", params: body.params ?? {} },
      attention: {
        kind: "raw",
        layer,
        // Row i attends most to token (i + layer) mod n: a matrix each layer changes visibly.
        matrix: Array.from(
          { length: n },
          (_, i) =>
            Array.from(
              { length: n },
              (_, j) => (j === (i + (layer ?? 0)) % n ? 0.7 : 0.3 / (n - 1)),
            ),
        ),
      },
    };
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (event: string, data: unknown) =>
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        for (let done = 1; done <= 3; done++) {
          send("progress", { method: body.method, done, total: 4 });
          await new Promise((r) => setTimeout(r, 150));
        }
        send("result", e);
        controller.close();
      },
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream" } });
  }
  return { requests, handle };
}

function startSite(api: string, modelDir: URL, fake: ReturnType<typeof fakeApi>) {
  const csp = [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    `connect-src 'self' ${api}`,
    "img-src 'self' data:",
  ].join("; ");
  const page = (body: string, script: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>widget test</title>` +
    `<link rel="icon" href="data:,"></head><body><main>${body}</main>` +
    `<script type="module" src="/widget/${script}"></script></body></html>`;
  const pages: Record<string, string> = {
    "/remote.html": page(
      `<h1>Widget</h1><glassbox-explain id="w" api="${api}" editable>${TEXT}</glassbox-explain>`,
      "glassbox-widget.js",
    ),
    "/device.html": page(
      `<h1>On device</h1><glassbox-explain id="w" mode="device" model-url="/models/m/" text="${TEXT}">` +
        `</glassbox-explain>`,
      "glassbox-widget-device.js",
    ),
    "/device-gradients.html": page(
      `<h1>On device</h1><glassbox-explain mode="device" model-url="/models/m/" ` +
        `method="gradient-x-input" text="${TEXT}"></glassbox-explain>`,
      "glassbox-widget-device.js",
    ),
    "/fake.html": page(
      `<h1>Attention</h1><glassbox-explain api="/fake" method="attention" text="${TEXT}">` +
        `</glassbox-explain>`,
      "glassbox-widget.js",
    ),
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const { pathname } = new URL(req.url);
    if (pages[pathname]) {
      const policy = pathname === "/device-gradients.html"
        ? csp.replace("'wasm-unsafe-eval'", "'wasm-unsafe-eval' 'unsafe-eval'")
        : csp;
      return new Response(pages[pathname], {
        headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": policy },
      });
    }
    if (pathname.startsWith("/fake/")) return await fake.handle(req, pathname.slice(5));
    let file: URL | undefined;
    if (pathname === "/axe.min.js") file = new URL("node_modules/axe-core/axe.min.js", ROOT);
    else if (/^\/widget\/[\w.-]+$/.test(pathname)) file = new URL(pathname.slice(8), DIST);
    else if (/^\/models\/m\/[\w./-]+$/.test(pathname) && !pathname.includes("..")) {
      file = new URL(pathname.slice(10), modelDir);
    }
    try {
      if (file) {
        const type = TYPES[file.pathname.split(".").pop()!] ?? "application/octet-stream";
        return new Response(await Deno.readFile(file), { headers: { "content-type": type } });
      }
    } catch {
      // Fall through to 404.
    }
    return new Response("not found", { status: 404 });
  });
  return { origin: `http://127.0.0.1:${server.addr.port}`, stop: () => server.shutdown() };
}

async function apiExplain(api: string, body: Record<string, unknown>): Promise<Explanation> {
  const response = await fetch(`${api}/v1/explain`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  assert.equal(response.status, 200, JSON.stringify(json));
  return json;
}

interface Chip {
  label: string;
  aria: string;
  background: string;
}

async function chips(page: Page): Promise<Chip[]> {
  return await page.evaluate(() =>
    [...document.querySelector("glassbox-explain")!.shadowRoot!.querySelectorAll(".t")].map(
      (el) => ({
        label: el.firstChild?.textContent ?? "",
        aria: el.getAttribute("aria-label") ?? "",
        background: getComputedStyle(el).backgroundColor,
      }),
    )
  );
}

/** Checks every chip's computed colour and aria-label against the API's scores and the palette. */
async function assertColours(page: Page, expected: Explanation, level: Level): Promise<void> {
  const units = displayUnits(expected, level);
  const maxAbs = maxAbsScore(units.map((u) => u.score));
  const shown = await chips(page);
  assert.equal(shown.length, units.length, `${level} chips`);
  units.forEach((u, i) => {
    const { r, g, b } = scoreColor(u.score, maxAbs);
    assert.equal(shown[i].background, `rgb(${r}, ${g}, ${b})`, `colour of chip ${i} "${u.label}"`);
    assert.equal(shown[i].label, u.label);
    assert.ok(
      shown[i].aria.startsWith(`${u.label}: ${formatScore(u.score)}, `),
      `aria-label of chip ${i}: ${shown[i].aria}`,
    );
  });
}

function assertScoresClose(actual: number[], expected: number[], tolerance: number) {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) =>
    assert.ok(
      Math.abs(a - expected[i]) <= tolerance,
      `score ${i}: ${a} vs ${expected[i]} (tolerance ${tolerance})`,
    )
  );
}

Deno.test({
  name: "widget in headless Chromium against the real API",
  ignore: !present && !required,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  assert.ok(present, `${CHROMIUM} is required (GLASSBOX_REQUIRE_TOOLS=1)`);
  await build();
  const api = await startApi({ GLASSBOX_MODELS: `${MODEL},${LM}` });
  const { models } = await (await fetch(`${api.origin}/v1/models`)).json();
  const model = models.find((m: { default: boolean }) => m.default) ?? models[0];
  assert.equal(model.id, MODEL);
  const modelDir = new URL(`${MODEL}/`, ROOT);
  const fake = fakeApi(await apiExplain(api.origin, { text: TEXT, model: model.id }));
  const site = startSite(api.origin, modelDir, fake);
  const profile = await Deno.makeTempDir({ prefix: "glassbox-chromium-" });
  const context = await launch(profile);
  const shots = await Deno.makeTempDir({ prefix: "glassbox-widget-shots-" });
  try {
    const page = await open(context, `${site.origin}/remote.html`);
    const widget = page.locator("glassbox-explain");

    await t.step("initial text from the element's content is explained", async () => {
      const shown = await explanationOf(page, (e) => e.text === TEXT);
      const expected = await apiExplain(api.origin, { text: TEXT, model: model.id });
      assertScoresClose(shown.scores, expected.scores, 1e-9);
      await assertColours(page, expected, "token");
    });

    const typed = "The plot was dull but the acting was superb.";
    await t.step("typed text: chips have the palette colours of the API's scores", async () => {
      await widget.locator("textarea").fill(typed);
      await widget.locator("button.go").click();
      await explanationOf(page, (e) => e.text === typed);
      const expected = await apiExplain(api.origin, { text: typed, model: model.id });
      await assertColours(page, expected, "token");
      await page.screenshot({ path: `${shots}/remote.png`, fullPage: true });
    });

    await t.step("word level merges pieces and recolours", async () => {
      await widget.getByLabel("Whole words").check();
      const expected = await apiExplain(api.origin, { text: typed, model: model.id });
      await assertColours(page, expected, "word");
      await widget.getByLabel("Whole words").uncheck();
    });

    await t.step(
      "keyboard: Tab reaches the tokens, arrows move, tooltip shows the score",
      async () => {
        const expected = await apiExplain(api.origin, { text: typed, model: model.id });
        const units = displayUnits(expected, "token");
        await widget.getByLabel("Whole words").focus();
        await page.keyboard.press("Tab");
        await page.keyboard.press("ArrowRight");
        await page.keyboard.press("ArrowRight");
        const focused = () =>
          page.evaluate(() => {
            const root = document.querySelector("glassbox-explain")!.shadowRoot!;
            const el = root.activeElement;
            return {
              aria: el?.getAttribute("aria-label") ?? "",
              tabIndex: (el as HTMLElement | null)?.tabIndex,
              tip: root.querySelector("[role=tooltip]")?.textContent ?? "",
              zeros: root.querySelectorAll('.t[tabindex="0"]').length,
            };
          });
        let f = await focused();
        assert.ok(f.aria.startsWith(`${units[2].label}: ${formatScore(units[2].score)}`), f.aria);
        assert.equal(f.tabIndex, 0);
        assert.equal(f.zeros, 1, "roving tabindex: exactly one chip is tabbable");
        assert.ok(f.tip.includes(formatScore(units[2].score)), `tooltip: ${f.tip}`);
        await page.screenshot({ path: `${shots}/keyboard.png` });
        await page.keyboard.press("End");
        f = await focused();
        const last = units[units.length - 1];
        assert.ok(f.aria.startsWith(`${last.label}: ${formatScore(last.score)}`), f.aria);
      },
    );

    const { methods } = await (await fetch(`${api.origin}/v1/methods`)).json();
    const ids: string[] = methods.map((m: { id: string }) => m.id);
    await t.step("method switcher lists /v1/methods and switching recolours", async () => {
      const options = await widget.locator("select").first().locator("option").allTextContents();
      assert.deepEqual(options, ids);
      const other = "gradient-x-input";
      assert.ok(ids.includes(other), `/v1/methods lists ${other}`);
      await widget.locator("select").first().selectOption(other);
      await explanationOf(page, (e) => e.method.id === other);
      const expected = await apiExplain(api.origin, {
        text: typed,
        model: model.id,
        method: other,
      });
      await assertColours(page, expected, "token");
    });

    await t.step("attention view shows the matrix with layer and head selectors", async () => {
      assert.ok(ids.includes("attention"), "the API lists the attention method");
      await widget.locator("select").first().selectOption("attention");
      const e = await explanationOf(page, (e) => e.method.id === "attention" && !!e.attention);
      const n = e.tokens.length;
      assert.equal(await widget.locator(".att tbody tr").count(), n);
      assert.equal(await widget.locator(".att tbody td").count(), n * n);
      // The explanation says how many layers and heads the model has, so both are dropdowns:
      // "mean" plus one entry per layer (head).
      const layer = widget.getByLabel("Layer");
      assert.equal(await layer.evaluate((el) => el.tagName), "SELECT");
      assert.equal(await layer.locator("option").count(), 1 + (e.diagnostics.layers as number));
      assert.equal(
        await widget.getByLabel("Head").locator("option").count(),
        1 + (e.diagnostics.heads as number),
      );
      await layer.selectOption("0");
      await explanationOf(page, (e) => e.attention?.layer === 0);
      await page.screenshot({ path: `${shots}/attention.png`, fullPage: true });
      await widget.locator("select").first().selectOption("occlusion");
      await explanationOf(page, (e) => e.method.id === "occlusion");
    });

    await t.step("clicking a prediction explains it; a contrast can be picked", async () => {
      const before = await explanationOf(page, () => true);
      const other = before.predictions.find((p) => p.id !== before.target.id)!;
      await widget.locator("button.bar", { hasText: other.label }).click();
      const e = await explanationOf(page, (e) => e.target.id === other.id);
      const expected = await apiExplain(api.origin, {
        text: typed,
        model: model.id,
        method: before.method.id,
        targetId: other.id,
      });
      assertScoresClose(e.scores, expected.scores, 1e-9);
      await widget.getByLabel("Rather than").selectOption(String(before.target.id));
      const c = await explanationOf(page, (e) => e.contrast?.id === before.target.id);
      assert.equal(c.target.id, other.id);
    });

    await t.step("errors show the API's message", async () => {
      const tooLong = "word ".repeat(3000);
      const response = await fetch(`${api.origin}/v1/explain`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: tooLong, model: model.id }),
      });
      const { error } = await response.json();
      assert.equal(response.status, 422);
      await widget.locator("textarea").fill(tooLong);
      await widget.locator("textarea").press("Control+Enter");
      const alert = widget.locator("[role=alert]");
      await alert.waitFor({ timeout: 15_000 });
      assert.equal(await alert.textContent(), error.message);
      assert.equal(await widget.locator(".t").count(), 0, "no stale heatmap beside the error");
    });

    await t.step("re-initialises from attributes after a page swap", async () => {
      const swapped = "A quiet, gentle story.";
      await page.evaluate((text) => {
        const el = document.querySelector("glassbox-explain")!;
        el.remove();
        el.setAttribute("text", text);
        el.removeAttribute("editable");
        document.querySelector("main")!.append(el);
      }, swapped);
      const e = await explanationOf(page, (e) => e.text === swapped);
      assert.equal(await widget.locator("textarea").count(), 0);
      assert.equal(await widget.locator("[role=alert]").count(), 0);
      const expected = await apiExplain(api.origin, { text: swapped, model: model.id });
      assertScoresClose(e.scores, expected.scores, 1e-9);
    });

    await t.step("attribute changes re-initialise: target label, then a causal LM", async () => {
      await page.evaluate(() => {
        document.querySelector("glassbox-explain")!.setAttribute("target", "NEGATIVE");
      });
      const negative = await explanationOf(page, (e) => e.target.label === "NEGATIVE");
      const expected = await apiExplain(api.origin, {
        text: negative.text,
        model: model.id,
        target: "NEGATIVE",
      });
      assertScoresClose(negative.scores, expected.scores, 1e-9);
      await page.evaluate((lm) => {
        const el = document.querySelector("glassbox-explain")!;
        el.removeAttribute("target");
        el.setAttribute("model", lm);
      }, LM);
      const e = await explanationOf(page, (e) => e.model.id === LM);
      assert.equal(e.model.task, "text-generation");
      await assertColours(page, await apiExplain(api.origin, { text: e.text, model: LM }), "token");
      const labels = await widget.locator("button.bar").allTextContents();
      assert.ok(labels[0].includes(`“${e.predictions[0].label}” (explained)`), labels[0]);
      await page.screenshot({ path: `${shots}/causal_lm.png`, fullPage: true });
      await page.evaluate(() =>
        document.querySelector("glassbox-explain")!.removeAttribute("model")
      );
      await explanationOf(page, (e) => e.model.id === MODEL);
    });

    await t.step("axe-core finds no serious or critical violations (light and dark)", async () => {
      await page.addScriptTag({ url: "/axe.min.js" });
      for (const theme of ["light", "dark"]) {
        await page.evaluate((theme) => {
          document.querySelector("glassbox-explain")!.setAttribute("theme", theme);
        }, theme);
        await widget.locator(".t").first().focus();
        const violations = await page.evaluate(async () => {
          const axe = (globalThis as unknown as {
            axe: { run(c: unknown, o: unknown): Promise<{ violations: unknown[] }> };
          }).axe;
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return (result.violations as {
            id: string;
            impact: string;
            help: string;
            nodes: { target: unknown }[];
          }[])
            .map((v) => ({
              id: v.id,
              impact: v.impact,
              help: v.help,
              nodes: v.nodes.map((n) => n.target),
            }));
        });
        const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
        assert.deepEqual(bad, [], `${theme}: ${JSON.stringify(bad, null, 1)}`);
        await page.screenshot({ path: `${shots}/${theme}.png`, fullPage: true });
      }
    });

    await t.step("theming: custom properties and ::part reach into the shadow root", async () => {
      const styles = await page.evaluate(() => {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(
          "glassbox-explain{--glassbox-font:serif}" +
            "glassbox-explain::part(root){border-color:rgb(1, 2, 3)}",
        );
        document.adoptedStyleSheets = [sheet];
        const root = document.querySelector("glassbox-explain")!.shadowRoot!;
        const gb = getComputedStyle(root.querySelector(".gb")!);
        return { border: gb.borderTopColor, font: gb.fontFamily };
      });
      assert.deepEqual(styles, { border: "rgb(1, 2, 3)", font: "serif" });
    });

    await t.step("no Content-Security-Policy violations", async () => {
      const violations = await page.evaluate(() =>
        (globalThis as unknown as { violations: string[] }).violations
      );
      assert.deepEqual(violations, []);
    });
    await page.close();

    await t.step("on-device mode gives the API's scores within 1e-5", async () => {
      const device = await open(context, `${site.origin}/device.html`);
      const e = await explanationOf(device, (e) => e.text === TEXT, 60_000);
      const expected = await apiExplain(api.origin, { text: TEXT, model: model.id });
      assertScoresClose(e.scores, expected.scores, 1e-5);
      assert.equal(e.target.id, expected.target.id);
      assert.match(e.diagnostics.backend, /onnxruntime-web/);
      const violations = await device.evaluate(() =>
        (globalThis as unknown as { violations: string[] }).violations
      );
      assert.deepEqual(violations, []);
      await device.screenshot({ path: `${shots}/device.png`, fullPage: true });
      await device.close();
    });

    await t.step("on-device gradient method gives the API's scores within 1e-5", async () => {
      assert.ok(ids.includes("gradient-x-input"), "/v1/methods lists gradient-x-input");
      // This page's CSP adds 'unsafe-eval': core parses ONNX graphs with protobufjs, whose
      // generated decoders are compiled with new Function (see docs/widget.md).
      const device = await open(context, `${site.origin}/device-gradients.html`);
      const e = await explanationOf(device, (e) => e.method.id === "gradient-x-input", 60_000);
      const expected = await apiExplain(api.origin, {
        text: TEXT,
        model: model.id,
        method: "gradient-x-input",
      });
      assertScoresClose(e.scores, expected.scores, 1e-5);
      await device.close();
    });

    await t.step(
      "canned API: progress while streaming, attention matrix, layer selector",
      async () => {
        const canned = await open(context, `${site.origin}/fake.html`);
        const progress = canned.locator("glassbox-explain progress");
        await progress.waitFor({ timeout: 30_000 });
        assert.equal(await progress.getAttribute("aria-label"), "Computing attention");
        assert.equal(await progress.getAttribute("max"), "4");
        const e = await explanationOf(canned, (e) => e.attention !== undefined);
        assert.equal(await progress.count(), 0, "progress disappears with the result");
        const n = e.tokens.length;
        const cells = canned.locator("glassbox-explain .att tbody td");
        assert.equal(await cells.count(), n * n);
        const colour = (i: number) =>
          cells.nth(i).evaluate((el) => getComputedStyle(el).backgroundColor);
        const { r, g, b } = scoreColor(0.7, 0.7);
        assert.equal(await colour(0), `rgb(${r}, ${g}, ${b})`, "cell (0, 0) is the row's maximum");
        await canned.locator("glassbox-explain").getByLabel("Layer").selectOption("1");
        await explanationOf(canned, (e) => e.attention?.layer === 1);
        assert.deepEqual(fake.requests.at(-1)?.params, { layer: 1 });
        assert.equal(
          await colour(1),
          `rgb(${r}, ${g}, ${b})`,
          "layer 1 moves the maximum to (0, 1)",
        );
        await canned.screenshot({ path: `${shots}/attention_canned.png`, fullPage: true });
        await canned.close();
      },
    );

    await t.step("the API's / is the playground: model picker and widget", async () => {
      const playground = await open(context, `${api.origin}/`);
      const e = await explanationOf(playground, () => true);
      assert.equal(e.model.id, MODEL);
      const options = await playground.locator("#model option").evaluateAll((els) =>
        els.map((el) => (el as HTMLOptionElement).value)
      );
      assert.deepEqual(options, models.map((m: { id: string }) => m.id));
      await playground.locator("#model").selectOption(LM);
      await explanationOf(playground, (e) => e.model.id === LM);
      await playground.screenshot({ path: `${shots}/playground.png`, fullPage: true });
      await playground.close();
    });
    console.log(`widget screenshots: ${shots}`);
  } finally {
    await context.close();
    await Deno.remove(profile, { recursive: true });
    await site.stop();
    await api.stop();
  }
});
