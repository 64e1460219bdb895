/**
 * What the bot answers, independent of how the command arrived (discord.js gateway, HTTP
 * interactions endpoint, or the local mode). A command is first checked synchronously: bad options,
 * a running cooldown or a full queue give an immediate ephemeral reply that says why; otherwise the
 * work is queued and the transport defers its reply (Discord's 3-second window) while the
 * explanation is computed, the PNG rendered and the summary written.
 *
 * The parts: `reply.ts` (the shapes passed around), `check_options.ts`, `responder.ts` (admission:
 * checks, cooldown, queue), `local_compute.ts` (explain or predict, render, summarize) and
 * `messages.ts` (the replies' markdown). Transports import them from here.
 *
 * @module
 */
export { checkOptions } from "./check_options.ts";
export { type ComputeDeps, localCompute } from "./local_compute.ts";
export {
  ALT_TEXT_TOKENS,
  altText,
  escapeMarkdown,
  explainSummary,
  methodsList,
  predictSummary,
  SUMMARY_WORDS,
  topUnits,
} from "./messages.ts";
export {
  type CheckedOptions,
  type CommandInput,
  type Compute,
  type ComputeName,
  failure,
  INTERNAL_ERROR,
  type Plan,
  type Reply,
  type ReplyImage,
} from "./reply.ts";
export { Responder, type ResponderOptions } from "./responder.ts";
