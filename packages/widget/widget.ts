/**
 * Entry of the remote-mode bundle, `dist/glassbox-widget.js`: loading it defines
 * `<glassbox-explain>`, which calls the glassbox API. Kept free of the core and onnxruntime so it
 * stays within its 20 kB (gzipped) budget.
 *
 * @module
 */
import { defineGlassboxExplain } from "./element.ts";

/** The `<glassbox-explain>` element class. */
export const GlassboxExplain: typeof HTMLElement = defineGlassboxExplain();
