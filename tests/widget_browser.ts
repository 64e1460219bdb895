/**
 * What the widget's browser test and the playground screenshot script share: starting the real API
 * process, launching Debian's headless Chromium with the flags the environment needs, opening pages
 * that record CSP violations, and waiting for the widget to show an explanation.
 *
 * @module
 */
/// <reference lib="dom" />
import { type BrowserContext, chromium, type Page } from "playwright-core";
import type { Explanation } from "@glassbox/core";

/** Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";
const ROOT = new URL("../", import.meta.url);

/** Whether Debian's Chromium is installed. */
export function hasChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Starts the real API (`apps/api/deno.ts`) on a free port with the rate limit off (tests send a few
 * dozen requests in seconds) and waits until `/readyz` says every model is loaded.
 *
 * @param env More environment variables, e.g. `GLASSBOX_MODELS`.
 */
export async function startApi(
  env: Record<string, string> = {},
): Promise<{ origin: string; stop(): Promise<void> }> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "apps/api/deno.ts"],
    cwd: ROOT.pathname,
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      GLASSBOX_RATE_LIMIT: "off",
      ...env,
    },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Drained all along (a full pipe would stall the server); the tail explains a failed start.
  let log = "";
  const drained = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (text) => void (log = (log + text).slice(-4000)) }),
  );
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(`${origin}/readyz`);
      await response.body?.cancel();
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill();
      await child.status;
      await drained;
      throw new Error(`API did not become ready in 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    origin,
    async stop() {
      child.kill();
      await child.status;
      await drained;
    },
  };
}

/** Launches Debian's Chromium headless with a fresh profile directory. */
export async function launch(profile: string): Promise<BrowserContext> {
  return await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 900, height: 760 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Opens a page that records CSP violations and page errors. */
export async function open(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.addInitScript(() => {
    const w = globalThis as unknown as { violations: string[] };
    w.violations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      w.violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    });
  });
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await page.goto(url);
  return page;
}

/**
 * Waits until the widget shows an explanation for which `done` holds (polled: a predicate compiled
 * inside the page would need `unsafe-eval`, which the test pages' CSP forbids), and returns it.
 */
export async function explanationOf(
  page: Page,
  done: (e: Explanation) => boolean,
  timeout = 30_000,
): Promise<Explanation> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const e = await page.evaluate(() => {
      const el = document.querySelector("glassbox-explain") as unknown as {
        explanation?: Explanation;
        shadowRoot: ShadowRoot | null;
      } | null;
      // The heatmap must show it too, not only the element's property.
      const chips = el?.shadowRoot?.querySelectorAll(".t").length ?? 0;
      return chips > 0 ? el?.explanation : undefined;
    });
    if (e && done(e)) return e;
    if (Date.now() > deadline) {
      const alert = await page.evaluate(() =>
        document.querySelector("glassbox-explain")?.shadowRoot?.querySelector("[role=alert]")
          ?.textContent
      );
      throw new Error(
        `widget showed no matching explanation in ${timeout} ms (last: ${e?.method.id} on ${
          JSON.stringify(e?.text)
        }; error shown: ${alert ?? "none"})`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
