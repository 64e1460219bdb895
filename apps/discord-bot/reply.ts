/**
 * The shapes the bot's parts pass around, whatever transport a command came by: the command as
 * received, its checked options, the reply (text, ephemeral or not, a PNG), and the `Compute` that
 * turns an admitted command into its reply.
 *
 * @module
 */

/** A command as a transport received it. */
export interface CommandInput {
  name: string;
  /** String options by name; absent options are missing or `undefined`. */
  options: Record<string, string | undefined>;
  /** Who sent it (the cooldown key). */
  userId: string;
}

/** A PNG attached to a reply. */
export interface ReplyImage {
  name: string;
  data: Uint8Array;
  /** Alt text (Discord's attachment `description`). */
  description: string;
}

/** A reply, ready for any transport. Send it with no mentions allowed: it may echo user text. */
export interface Reply {
  content: string;
  /** Only the user who ran the command sees it. */
  ephemeral: boolean;
  image?: ReplyImage;
}

/**
 * What to do with a command: reply at once, or defer and send `pending` when it settles. The work
 * starts (or queues) when the plan is made, so its queue slot is taken in the same tick as the
 * capacity check. `pending` never rejects: failures come back as an ephemeral reply with the reason.
 */
export type Plan = { reply: Reply } | { pending: Promise<Reply> };

/** The checked command that computes: /explain or /predict. */
export type ComputeName = "explain" | "predict";

/**
 * Computes the reply of an admitted command. Never rejects: failures come back as an ephemeral
 * reply with the reason. `localCompute` (local_compute.ts) runs in this thread; the gateway bot runs one in a
 * worker (`worker_compute.ts`) so that long computations never stall the gateway connection.
 */
export type Compute = (name: ComputeName, options: CheckedOptions) => Promise<Reply>;

/** Options of /explain and /predict after checking. */
export interface CheckedOptions {
  text: string;
  model: string;
  method: string;
  target?: string;
}

/** What users are told when the failure is the bot's, not their input's. */
export const INTERNAL_ERROR = "an internal error happened; it was logged";

/** The ephemeral reply of a command that failed. */
export function failure(name: ComputeName, reason: string): Reply {
  return { content: `Could not ${name}: ${reason}`, ephemeral: true };
}
