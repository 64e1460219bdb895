/**
 * Admission of commands: a command is checked synchronously, and bad options, a running cooldown or
 * a full queue give an immediate ephemeral reply that says why; otherwise the work is queued and the
 * transport defers its reply (Discord's 3-second window) while it is computed.
 *
 * @module
 */
import { checkOptions } from "./check_options.ts";
import type { CommandName } from "./commands.ts";
import { methodsList } from "./messages.ts";
import type { CommandInput, Compute, Plan } from "./reply.ts";
import { Cooldown, WorkQueue } from "./throttle.ts";

/** What a {@link Responder} needs. */
export interface ResponderOptions {
  /** The model ids offered; the first is the default. */
  models: readonly string[];
  /** Computes the replies of admitted commands. */
  compute: Compute;
  /** Seconds a user waits between /explain or /predict commands. @default 10 */
  cooldownSeconds?: number;
  /** Explanations admitted at once, waiting ones included; more are refused. @default 20 */
  queueCapacity?: number;
  /** Explanations computed at the same time. @default 1 */
  concurrency?: number;
  /** The clock, in ms. */
  now?: () => number;
}

/**
 * Admits commands and turns them into replies: checks options, applies the per-user cooldown and
 * the queue's capacity, and queues the computation. One per bot process or endpoint.
 */
export class Responder {
  readonly models: readonly string[];
  readonly #options: ResponderOptions;
  readonly #cooldown: Cooldown;
  readonly #queue: WorkQueue;
  readonly #now: () => number;

  /** @throws {RangeError} When `models` is empty or a limit is out of range. */
  constructor(options: ResponderOptions) {
    if (options.models.length === 0) {
      throw new RangeError("The bot needs at least one model id in `models`");
    }
    this.models = options.models;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#cooldown = new Cooldown((options.cooldownSeconds ?? 10) * 1000, this.#now);
    this.#queue = new WorkQueue(options.concurrency ?? 1, options.queueCapacity ?? 20);
  }

  /**
   * Decides how to answer a command.
   *
   * @returns An immediate reply (help, refusals, invalid options) or the queued work's result.
   */
  plan(command: CommandInput): Plan {
    const name = command.name as CommandName;
    if (name === "methods") return { reply: { content: methodsList(), ephemeral: true } };
    if (name !== "explain" && name !== "predict") {
      return refuse(
        `Unknown command /${command.name}: this bot has /explain, /predict and /methods`,
      );
    }
    const checked = checkOptions(name, command.options, this.models);
    if (typeof checked === "string") return refuse(checked);
    const retryAt = this.#cooldown.take(command.userId);
    if (retryAt !== undefined) {
      const seconds = Math.max(1, Math.ceil((retryAt - this.#now()) / 1000));
      const period = this.#options.cooldownSeconds ?? 10;
      return refuse(
        `Slow down: one /explain or /predict per ${period} s per user. Try again in ${seconds} s.`,
      );
    }
    if (this.#queue.full) {
      this.#cooldown.release(command.userId);
      return refuse(`The bot is busy with ${this.#queue.size} requests; try again in a minute.`);
    }
    return { pending: this.#queue.run(() => this.#options.compute(name, checked)) };
  }
}

function refuse(reason: string): Plan {
  return { reply: { content: reason, ephemeral: true } };
}
