/**
 * The HTML renderer in a real browser: axe-core (WCAG 2.1 A/AA and best practices) finds no
 * violations, and a token's score appears when it gets keyboard focus. Needs Debian's chromium;
 * skips with a notice when it is absent (fails instead with GLASSBOX_REQUIRE_TOOLS=1).
 */

import assert from "node:assert/strict";
import { renderHtml } from "./html.ts";
import { english, markup, mixedEmoji } from "./testdata/fixtures.ts";

const CHROMIUM = "/usr/bin/chromium";

async function hasChromium(): Promise<boolean> {
  try {
    await Deno.stat(CHROMIUM);
    return true;
  } catch {
    return false;
  }
}

const available = await hasChromium();
if (!available) {
  if (Deno.env.get("GLASSBOX_REQUIRE_TOOLS") === "1") {
    throw new Error(`${CHROMIUM} is missing (GLASSBOX_REQUIRE_TOOLS=1): apt-get install chromium`);
  }
  console.warn(`SKIP html_a11y_test: ${CHROMIUM} not found (apt-get install chromium)`);
}

Deno.test({
  name: "HTML passes axe-core and shows a token's score on keyboard focus",
  ignore: !available,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { chromium } = await import("playwright-core");
    const axe = await Deno.readTextFile(
      new URL("../../node_modules/axe-core/axe.min.js", import.meta.url),
    );
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      const fragment = `<!doctype html><html lang="en"><head><title>t</title></head><body><main>` +
        `<h1>Embedded</h1>${renderHtml(english(), { fragment: true })}</main></body></html>`;
      for (
        const html of [
          renderHtml(english()),
          renderHtml(mixedEmoji()),
          renderHtml(markup()),
          fragment,
        ]
      ) {
        await page.setContent(html);
        await page.addScriptTag({ content: axe });
        // Page code as strings: this file is type-checked without the DOM library.
        const violations = await page.evaluate(`axe.run(document, {
          runOnly: ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"],
        }).then((r) => r.violations.map((v) => v.id + ": " + v.help))`);
        assert.deepEqual(violations, []);
      }
      await page.setContent(renderHtml(mixedEmoji()));
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(`[
        document.activeElement.getAttribute("aria-label"),
        getComputedStyle(document.activeElement, "::after").content,
      ]`);
      assert.deepEqual(focused, ["token love, score +0.85, toward the target", '"+0.85"']);
    } finally {
      await browser.close();
    }
  },
});
