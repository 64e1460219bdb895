/**
 * What keeps a burst of commands from overwhelming the bot: a per-user cooldown, and a work queue
 * that runs explanations one (or a few) at a time and refuses new work when too much is waiting.
 * Explanations are CPU-bound, so running many at once only makes every one of them late; the
 * deferred reply is sent before queueing, so waiting costs nothing against Discord's 3-second limit
 * (follow-ups may come for 15 minutes).
 *
 * @module
 */

/** A per-user cooldown: one heavy command per user per period. */
export class Cooldown {
  readonly #periodMs: number;
  readonly #now: () => number;
  readonly #until = new Map<string, number>();

  /**
   * @param periodMs How long a user waits between commands (0 disables the cooldown).
   * @param now The clock, in ms.
   * @throws {RangeError} When `periodMs` is negative or not finite.
   */
  constructor(periodMs: number, now: () => number = Date.now) {
    if (!(periodMs >= 0 && Number.isFinite(periodMs))) {
      throw new RangeError(`Cooldown period must be a finite number >= 0 ms, got ${periodMs}`);
    }
    this.#periodMs = periodMs;
    this.#now = now;
  }

  /**
   * Starts the user's cooldown unless it is running.
   *
   * @returns `undefined` when the user may go ahead, else the time (ms) when they may try again.
   */
  take(userId: string): number | undefined {
    const now = this.#now();
    const until = this.#until.get(userId);
    if (until !== undefined && until > now) return until;
    if (this.#until.size >= 10_000) {
      // Forget finished cooldowns so the map stays small on a busy bot.
      for (const [id, end] of this.#until) if (end <= now) this.#until.delete(id);
    }
    if (this.#periodMs > 0) this.#until.set(userId, now + this.#periodMs);
    return undefined;
  }

  /** Ends a user's cooldown early, for work that was refused before it started. */
  release(userId: string): void {
    this.#until.delete(userId);
  }
}

/** Runs async jobs with bounded concurrency and a bounded number of jobs admitted at once. */
export class WorkQueue {
  readonly #concurrency: number;
  readonly #capacity: number;
  #running = 0;
  #waiting: (() => void)[] = [];

  /**
   * @param concurrency Jobs that run at the same time.
   * @param capacity Jobs admitted at once, running ones included.
   * @throws {RangeError} When either is not an integer >= 1, or capacity < concurrency.
   */
  constructor(concurrency = 1, capacity = 20) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`Queue concurrency must be an integer >= 1, got ${concurrency}`);
    }
    if (!Number.isInteger(capacity) || capacity < concurrency) {
      throw new RangeError(
        `Queue capacity must be an integer >= concurrency (${concurrency}), got ${capacity}`,
      );
    }
    this.#concurrency = concurrency;
    this.#capacity = capacity;
  }

  /** Jobs admitted and not finished (running and waiting). */
  get size(): number {
    return this.#running + this.#waiting.length;
  }

  /** Whether {@link WorkQueue.run} would refuse a job now. */
  get full(): boolean {
    return this.size >= this.#capacity;
  }

  /**
   * Runs a job when a slot is free.
   *
   * @throws {Error} When the queue is full; check {@link WorkQueue.full} first.
   */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.full) throw new Error(`Work queue is full (${this.#capacity} jobs)`);
    if (this.#running >= this.#concurrency) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running += 1;
    }
    try {
      return await job();
    } finally {
      // Hand the slot straight to the next job, so `size` never drops and rises in between.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running -= 1;
    }
  }
}
