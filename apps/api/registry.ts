/**
 * The models an API instance serves: a fixed list of ids, each loaded once (at start or on first
 * use) and reused by every request. Clients pick a model by id only; they can never make the server
 * read an arbitrary path or URL. A failed load is remembered until the next request asks again, so a
 * model that appears later (a volume mounted late) is picked up without a restart.
 *
 * @module
 */
import type { Model, ModelSession } from "@glassbox/core";
import { ApiError, ModelUnavailableError } from "./middleware/errors.ts";

const yielding = new WeakSet<Model>();

/**
 * Makes every graph run of a model wait for one turn of the event loop first. onnxruntime-web
 * computes on the main thread and its runs resolve without yielding to timers or I/O, so without
 * this a long explanation on the wasm backend would starve the server: no health checks, no
 * per-request timeouts and no notice of disconnected clients until it ends. One timer turn per
 * batch costs well under a millisecond.
 */
function yieldBeforeRuns(model: Model): void {
  if (yielding.has(model)) return;
  yielding.add(model);
  const wrap = (session: ModelSession): ModelSession => {
    const run = session.run.bind(session);
    return Object.assign(session, {
      run: async (...args: Parameters<ModelSession["run"]>) => {
        await new Promise((resolve) => setTimeout(resolve, 0));
        return await run(...args);
      },
    });
  };
  model.session = wrap(model.session);
  const createSession = model.createSession.bind(model);
  model.createSession = async (...args) => wrap(await createSession(...args));
}

/** Loads one configured model; the entry point decides where its files come from. */
export type ModelLoader = (id: string) => Promise<Model>;

type State =
  | { kind: "idle" }
  | { kind: "loading"; promise: Promise<Model> }
  | { kind: "ready"; model: Model }
  | { kind: "failed"; error: ModelUnavailableError };

/** The configured models and their loading state. */
export class ModelRegistry {
  #states = new Map<string, State>();

  /**
   * @param ids Model ids, the default first.
   * @param load Loads a model by id.
   * @param log Where a failed load is logged in full (clients get it without paths).
   */
  constructor(
    readonly ids: readonly string[],
    readonly load: ModelLoader,
    readonly log: (message: string, error: unknown) => void = console.error,
  ) {
    if (ids.length === 0) throw new RangeError("The API needs at least one model to serve");
    for (const id of ids) this.#states.set(id, { kind: "idle" });
  }

  /** The default model's id. */
  get defaultId(): string {
    return this.ids[0];
  }

  /** Loaded models. */
  get loaded(): number {
    return [...this.#states.values()].filter((s) => s.kind === "ready").length;
  }

  /** Whether every model is loaded. */
  get ready(): boolean {
    return this.loaded === this.ids.length;
  }

  /** Each model's state, for /readyz. */
  status(): Record<string, string> {
    return Object.fromEntries(
      [...this.#states].map((
        [id, s],
      ) => [id, s.kind === "failed" ? `failed: ${s.error.message}` : s.kind]),
    );
  }

  /**
   * Resolves a client-given model id (default: the first model).
   *
   * @throws ApiError `unknown_model` listing the served ids.
   */
  resolve(id: string | undefined): string {
    if (id === undefined) return this.defaultId;
    if (!this.#states.has(id)) {
      throw new ApiError(
        "unknown_model",
        `Unknown model "${id}": this server serves ${this.ids.join(", ")}`,
        { known: this.ids },
      );
    }
    return id;
  }

  /**
   * The loaded model, loading it on first use.
   *
   * @param keepAlive Given a load this call starts. workerd drops promises that outlive the request
   *   that created them, so the API passes the request's `waitUntil` here: the load then finishes
   *   even when that request ends first, and later requests can use it.
   * @throws ModelUnavailableError (id and kind of failure, no paths) when the model cannot be loaded.
   */
  get(id: string, keepAlive?: (loading: Promise<unknown>) => void): Promise<Model> {
    const state = this.#states.get(id)!;
    if (state.kind === "ready") return Promise.resolve(state.model);
    if (state.kind === "loading") return state.promise;
    const promise = this.load(id).then(
      (model) => {
        // Core names a model by its source; the API names it by the id clients use, so the JSON is
        // the same whichever directory, URL or binding the files came from.
        model.id = id;
        yieldBeforeRuns(model);
        this.#states.set(id, { kind: "ready", model });
        return model;
      },
      (cause) => {
        this.log(`Model "${id}" failed to load:`, cause);
        const error = new ModelUnavailableError(id, cause);
        this.#states.set(id, { kind: "failed", error });
        throw error;
      },
    );
    this.#states.set(id, { kind: "loading", promise });
    keepAlive?.(promise.catch(() => undefined));
    return promise;
  }

  /**
   * Starts loading every model not loaded or loading; resolves when all have settled.
   *
   * @param retryFailed Load failed models again (`false` for readiness probes, so that they report
   *   the failure instead of hiding it behind a new attempt).
   */
  async warm(
    keepAlive?: (loading: Promise<unknown>) => void,
    retryFailed = true,
  ): Promise<void> {
    const ids = this.ids.filter((id) => retryFailed || this.#states.get(id)!.kind !== "failed");
    await Promise.allSettled(ids.map((id) => this.get(id, keepAlive)));
  }
}
