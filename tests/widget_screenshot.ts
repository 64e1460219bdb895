/**
 * Makes docs/images/playground.png: starts the real API with its bundled models (trained by
 * `scripts/train_models.py`), opens its playground (`/`) in headless Chromium, explains a sentence
 * and focuses a token so the tooltip shows.
 *
 * Run: `npx deno run -A tests/widget_screenshot.ts` (after `npx deno task --cwd packages/widget build`).
 */
import { explanationOf, launch, open, startApi } from "./widget_browser.ts";

const TEXT = "I loved the music but hated the characters.";
const OUT = new URL("../docs/images/playground.png", import.meta.url);

const api = await startApi();
const profile = await Deno.makeTempDir({ prefix: "glassbox-chromium-" });
const context = await launch(profile);
try {
  const page = await open(context, `${api.origin}/`);
  await explanationOf(page, () => true, 60_000);
  const widget = page.locator("glassbox-explain");
  await widget.locator("textarea").fill(TEXT);
  await widget.locator("button.go").click();
  await explanationOf(page, (e) => e.text === TEXT, 60_000);
  await widget.locator(".t", { hasText: "hated" }).focus();
  await page.screenshot({ path: OUT.pathname, fullPage: true });
  console.log(`wrote ${OUT.pathname}`);
} finally {
  await context.close();
  await Deno.remove(profile, { recursive: true });
  await api.stop();
}
