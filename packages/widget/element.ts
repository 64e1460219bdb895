/**
 * The `<glassbox-explain>` custom element: reads its attributes, owns a shadow root with the adopted
 * stylesheet, and renders the Preact {@link View} into it. Any attribute change, and every time the
 * element is connected again (a docs site that swaps pages moves or re-inserts it), re-initialises
 * the view from the attributes; disconnecting unmounts it, which aborts requests in flight.
 *
 * Attributes: `api` (base URL, default this page's origin), `model`, `method` (default `occlusion`),
 * `text` (default: the element's own text), `target`, `editable`, `theme` (`light`, `dark`, `auto`),
 * `mode` (`remote` or `device`), and for device mode `model-url` and `wasm-paths`.
 *
 * @module
 */
import { h, render } from "preact";
import type { Explanation } from "@glassbox/core";
import { type Backend, WidgetError } from "./backend.ts";
import { remoteBackend } from "./remote.ts";
import { adoptStyles } from "./styles.ts";
import { View, type ViewConfig } from "./view.tsx";

/** Makes the on-device backend; the device bundle supplies it, the remote bundle leaves it out. */
export type DeviceFactory = (options: { modelUrl: string; wasmPaths?: string }) => Backend;

const ATTRIBUTES = [
  "api",
  "model",
  "method",
  "text",
  "target",
  "editable",
  "theme",
  "mode",
  "model-url",
  "wasm-paths",
];

/** A backend whose every call fails with `message`: how a misconfigured element explains itself. */
function failing(message: string): Backend {
  const fail = () => Promise.reject(new WidgetError(message, "configuration"));
  return { methods: fail, explain: fail };
}

/**
 * Defines `<glassbox-explain>` (once: a second bundle on the same page keeps the first definition).
 *
 * @param device The on-device backend factory, or undefined for a remote-only element.
 * @returns The element class in use.
 */
export function defineGlassboxExplain(device?: DeviceFactory): typeof HTMLElement {
  const existing = customElements.get("glassbox-explain");
  if (existing) return existing;

  class GlassboxExplain extends HTMLElement {
    static observedAttributes = ATTRIBUTES;
    #mount?: HTMLDivElement;
    #scheduled = false;
    #explanation?: Explanation;
    #key?: string;
    #backendForKey?: Backend;

    /** The explanation on display, once one has arrived. */
    get explanation(): Explanation | undefined {
      return this.#explanation;
    }

    connectedCallback() {
      this.#schedule();
    }

    disconnectedCallback() {
      if (this.#mount) render(null, this.#mount);
    }

    attributeChangedCallback() {
      this.#schedule();
    }

    /** Batches the attribute callbacks of one upgrade or one script turn into a single render. */
    #schedule() {
      if (this.#scheduled) return;
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        if (this.isConnected) this.#render();
      });
    }

    #backend(): Backend {
      const api = this.getAttribute("api") ?? "";
      if ((this.getAttribute("mode") ?? "remote") === "remote") return remoteBackend(api);
      if (this.getAttribute("mode") !== "device") {
        return failing(`mode must be "remote" or "device", not "${this.getAttribute("mode")}"`);
      }
      if (!device) {
        return failing(
          'mode="device" needs the on-device bundle: load glassbox-widget-device.js instead of glassbox-widget.js',
        );
      }
      const model = this.getAttribute("model");
      const modelUrl = this.getAttribute("model-url") ??
        (model ? `${api.replace(/\/+$/, "")}/models/${model}/` : undefined);
      if (!modelUrl) return failing('mode="device" needs a model-url or a model attribute');
      return device({ modelUrl, wasmPaths: this.getAttribute("wasm-paths") ?? undefined });
    }

    #render() {
      const root = this.shadowRoot ?? this.attachShadow({ mode: "open" });
      adoptStyles(root);
      if (!this.#mount) {
        this.#mount = document.createElement("div");
        root.append(this.#mount);
      }
      const config: ViewConfig = {
        model: this.getAttribute("model") ?? undefined,
        method: this.getAttribute("method") ?? "occlusion",
        text: this.getAttribute("text") ?? this.textContent?.trim() ?? "",
        target: this.getAttribute("target") ?? undefined,
        editable: this.hasAttribute("editable"),
      };
      // Everything but the theme decides what is computed: a new key remounts the view, so an
      // attribute change starts from the attributes instead of mixing them with stale state.
      const key = JSON.stringify([
        config,
        ...["api", "mode", "model-url", "wasm-paths"].map((a) => this.getAttribute(a)),
      ]);
      if (key !== this.#key) {
        this.#key = key;
        this.#backendForKey = this.#backend();
      }
      render(
        h(View, {
          key,
          backend: this.#backendForKey!,
          config,
          onExplained: (result: Explanation | Error) => {
            this.#explanation = result instanceof Error ? undefined : result;
            this.dispatchEvent(
              new CustomEvent(result instanceof Error ? "glassbox-error" : "glassbox-explained", {
                detail: result,
                bubbles: true,
                composed: true,
              }),
            );
          },
        }),
        this.#mount,
      );
    }
  }
  customElements.define("glassbox-explain", GlassboxExplain);
  return GlassboxExplain;
}
