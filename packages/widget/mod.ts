/**
 * `<glassbox-explain>`: an embeddable widget that shows, live, why a transformer made its
 * prediction: a token heatmap, the top-k predictions, a method switcher and attention, with
 * keyboard access and a colour-blind-safe palette. Site owners load one built file
 * (`dist/glassbox-widget.js`, see `build.ts`); apps that bundle their own code import from here.
 *
 * @example Define the element and use it (remote mode)
 * ```ts ignore
 * import { defineGlassboxExplain } from "@glassbox/widget";
 * defineGlassboxExplain();
 * document.body.insertAdjacentHTML(
 *   "beforeend",
 *   `<glassbox-explain api="https://glassbox.example.org" text="What a wonderful day"></glassbox-explain>`,
 * );
 * ```
 *
 * @module
 */
export { defineGlassboxExplain, type DeviceFactory } from "./element.ts";
export { remoteBackend } from "./remote.ts";
export {
  type Backend,
  type ExplainRequest,
  type MethodInfo,
  type MethodOption,
  type Progress,
  WidgetError,
} from "./backend.ts";
