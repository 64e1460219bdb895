/**
 * Entry of the on-device bundle, `dist/glassbox-widget-device.js`: the same element, plus
 * `mode="device"`, which runs the core and onnxruntime-web in the page. onnxruntime's `.wasm` is
 * copied next to this bundle by the build and found relative to it.
 *
 * @module
 */
import { defineGlassboxExplain } from "./element.ts";
import { deviceBackend } from "./device.ts";

/** The `<glassbox-explain>` element class, with on-device mode. */
export const GlassboxExplain: typeof HTMLElement = defineGlassboxExplain(deviceBackend);
