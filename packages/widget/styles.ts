/**
 * The widget's stylesheet, adopted into its shadow root (`adoptedStyleSheets`), so it needs no
 * `<style>` element and no inline `style` attribute: pages with `style-src 'self'` keep working.
 * Per-token colours reach the chips as CSS custom properties set through the CSSOM, which a CSP
 * does not block. Everything a site may want to change is a custom property on the host
 * (`--glassbox-font`, `--glassbox-bg`, ...) or a `::part()`.
 *
 * @module
 */
import { BURD_STOPS } from "@glassbox/render/palette";

/** The CSS text. Colours meet 4.5:1 against their background in both themes. */
export const CSS = `
:host{display:block;color-scheme:light;--gb-fg:var(--glassbox-fg,#1a1a1a);--gb-bg:var(--glassbox-bg,#fff);--gb-muted:var(--glassbox-muted,#4d4d4d);--gb-border:var(--glassbox-border,#8c8c8c);--gb-accent:var(--glassbox-accent,#1f5fa8);--gb-accent-fg:var(--glassbox-accent-fg,#fff);--gb-error:var(--glassbox-error,#a4161a);--gb-panel:var(--glassbox-panel,#f3f4f6);font-family:var(--glassbox-font,system-ui,-apple-system,"Segoe UI",sans-serif);color:var(--gb-fg)}
:host([hidden]){display:none}
:host([theme=dark]){color-scheme:dark;--gb-fg:var(--glassbox-fg,#f0f0f0);--gb-bg:var(--glassbox-bg,#16181d);--gb-muted:var(--glassbox-muted,#b8bcc4);--gb-border:var(--glassbox-border,#80858f);--gb-accent:var(--glassbox-accent,#9cc3ee);--gb-accent-fg:var(--glassbox-accent-fg,#0d1117);--gb-error:var(--glassbox-error,#ffb4ab);--gb-panel:var(--glassbox-panel,#22252c)}
@media (prefers-color-scheme:dark){:host([theme=auto]){color-scheme:dark;--gb-fg:var(--glassbox-fg,#f0f0f0);--gb-bg:var(--glassbox-bg,#16181d);--gb-muted:var(--glassbox-muted,#b8bcc4);--gb-border:var(--glassbox-border,#80858f);--gb-accent:var(--glassbox-accent,#9cc3ee);--gb-accent-fg:var(--glassbox-accent-fg,#0d1117);--gb-error:var(--glassbox-error,#ffb4ab);--gb-panel:var(--glassbox-panel,#22252c)}}
.gb{background:var(--gb-bg);border:1px solid var(--gb-border);border-radius:8px;padding:1rem;font-size:1rem;line-height:1.4}
.row{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:0 0 .75rem}
label{font-size:.9rem;color:var(--gb-muted)}
textarea{box-sizing:border-box;width:100%;min-height:3.5rem;font:inherit;color:var(--gb-fg);background:var(--gb-bg);border:1px solid var(--gb-border);border-radius:4px;padding:.4rem}
input[type=number]{width:5rem}
select,input,button{font:inherit;font-size:.9rem;color:var(--gb-fg);background:var(--gb-bg);border:1px solid var(--gb-border);border-radius:4px;padding:.2rem .4rem}
button.go{background:var(--gb-accent);color:var(--gb-accent-fg);border-color:var(--gb-accent);font-weight:600;padding:.3rem .9rem}
:focus-visible{outline:3px solid var(--gb-accent);outline-offset:2px}
.meta{font-size:.9rem;color:var(--gb-muted);margin:.25rem 0 .5rem}
.meta b{color:var(--gb-fg)}
.err{color:var(--gb-error);border-left:4px solid var(--gb-error);padding:.25rem .6rem;margin:.5rem 0}
progress{width:100%;height:.6rem;margin:.25rem 0}
.map{line-height:2.5;margin:.5rem 0;padding:.5rem 0}
.heat{position:relative}
.t{display:inline-block;margin:0 .15em;padding:0 .3em;line-height:1.7;border-radius:3px;border:1px solid var(--gb-border);background:var(--c);color:var(--f);text-decoration-line:underline;text-decoration-thickness:2px;text-underline-offset:3px;white-space:pre;cursor:default}
.t.gap{margin-left:.55em}
.t.pos{text-decoration-style:solid}
.t.neg{text-decoration-style:dotted}
.t.zero{text-decoration-line:none}
.t.sp{font-style:italic;border-style:dashed}
.t[aria-selected=true]{outline:2px solid var(--gb-fg);outline-offset:1px}
.tip{position:absolute;left:var(--x);top:var(--y);z-index:2;min-width:9rem;background:var(--gb-fg);color:var(--gb-bg);font-size:.8rem;line-height:1.4;padding:.3rem .5rem;border-radius:4px;font-style:normal;white-space:nowrap;pointer-events:none;text-align:left}
.tip b{font-size:.9rem}
.legend{display:flex;align-items:center;gap:.5rem;font-size:.85rem;color:var(--gb-muted);flex-wrap:wrap}
.scale{display:inline-block;width:10rem;height:.8rem;border:1px solid var(--gb-border);background:linear-gradient(to right,${
  BURD_STOPS.join(",")
})}
h3{font-size:.95rem;margin:1rem 0 .4rem}
.preds{list-style:none;margin:0;padding:0;display:grid;gap:.3rem}
.bar{display:grid;grid-template-columns:minmax(6rem,14rem) 1fr 4rem;gap:.5rem;align-items:center;width:100%;text-align:left;cursor:pointer}
.bar[aria-pressed=true]{border-width:2px;border-color:var(--gb-fg);font-weight:600}
.lbl{white-space:pre;overflow:hidden;text-overflow:ellipsis}
.track{height:.7rem;background:var(--gb-panel);border-radius:2px;overflow:hidden}
.fill{display:block;height:100%;width:calc(var(--w) * 100%);background:var(--gb-accent)}
.num{text-align:right;font-variant-numeric:tabular-nums}
.att{overflow:auto;max-width:100%}
.att table{border-collapse:collapse;font-size:.75rem}
.att th{font-weight:normal;color:var(--gb-muted);padding:0 .3rem;white-space:pre}
.att thead th{writing-mode:vertical-rl;transform:rotate(180deg);height:5rem;text-align:left}
.att td{width:1.4rem;height:1.4rem;min-width:1.4rem;background:var(--c);border:1px solid var(--gb-bg)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`.trim();

let shared: CSSStyleSheet | undefined;

/** Puts the stylesheet into a shadow root: one shared constructed sheet for every widget. */
export function adoptStyles(root: ShadowRoot): void {
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
    if (!shared) {
      shared = new CSSStyleSheet();
      shared.replaceSync(CSS);
    }
    if (!root.adoptedStyleSheets.includes(shared)) root.adoptedStyleSheets = [shared];
    return;
  }
  // Browsers without constructable stylesheets (Safari < 16.4) get a <style> element instead.
  if (!root.querySelector("style")) {
    const style = document.createElement("style");
    style.textContent = CSS;
    root.prepend(style);
  }
}
