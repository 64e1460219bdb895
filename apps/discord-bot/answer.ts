/**
 * What the bot answers, independent of how the command arrived (discord.js gateway, HTTP
 * interactions endpoint, or the local mode). A command is first checked synchronously: bad options,
 * a running cooldown or a full queue give an immediate ephemeral reply that says why; otherwise the
 * work is queued and the transport defers its reply (Discord's 3-second window) while the
 * explanation is computed, the PNG rendered and the summary written.
 *
 * @module
 */
import {
  explain as coreExplain,
  type Explanation,
  getMethod,
  InputError,
  METHODS,
  type Model,
  ModelLoadError,
  predict as corePredict,
  type PredictResult,
  UnknownMethodError,
  UnsupportedOpError,
} from "@glassbox/core";
import { formatScore } from "@glassbox/render/palette";
import {
  ALT_TEXT_MAX_LENGTH,
  type CommandName,
  CONTENT_MAX_LENGTH,
  TARGET_MAX_LENGTH,
  TEXT_MAX_LENGTH,
} from "./commands.ts";
import { Cooldown, WorkQueue } from "./throttle.ts";

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
 * reply with the reason. {@link localCompute} runs in this thread; the gateway bot runs one in a
 * worker (`worker_compute.ts`) so that long computations never stall the gateway connection.
 */
export type Compute = (name: ComputeName, options: CheckedOptions) => Promise<Reply>;

/** What {@link localCompute} needs. */
export interface ComputeDeps {
  /** Returns a loaded model by id (the caller caches). */
  loadModel: (id: string) => Promise<Model>;
  /** Rasterizes an explanation (`renderPng` of `@glassbox/render`). */
  renderPng: (explanation: Explanation) => Promise<Uint8Array>;
  /** Core's `explain`, or a wrapper of it. */
  explain?: typeof coreExplain;
  /** Core's `predict`, or a wrapper of it. */
  predict?: typeof corePredict;
  /** Longest computation before it is cancelled, in seconds. @default 60 */
  timeoutSeconds?: number;
  /** Where failures that are not the user's fault are reported. @default console.error */
  logError?: (message: string, error: unknown) => void;
}

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

/** How many words the summary names. */
export const SUMMARY_WORDS = 3;
/** How many tokens the alt text names. */
export const ALT_TEXT_TOKENS = 5;

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

/**
 * Computes replies in this thread: loads the model, explains or predicts, renders the PNG and
 * writes the summary; errors become ephemeral replies that say why.
 */
export function localCompute(deps: ComputeDeps): Compute {
  const explain = deps.explain ?? coreExplain;
  const predict = deps.predict ?? corePredict;
  const timeoutSeconds = deps.timeoutSeconds ?? 60;
  const log = deps.logError ?? ((message, error) => console.error(message, error));

  function reason(error: unknown): string {
    if (
      error instanceof InputError || error instanceof UnknownMethodError ||
      error instanceof UnsupportedOpError || error instanceof RangeError ||
      error instanceof TypeError && error.message.startsWith("Cannot run")
    ) {
      return error.message;
    }
    if (isAbort(error)) {
      return `it took longer than ${timeoutSeconds} s and was stopped; ` +
        `try a shorter text or the occlusion method`;
    }
    if (error instanceof ModelLoadError) {
      // The message names server paths: log it, tell the user only that the model is unavailable.
      log("Model failed to load:", error);
      return "the model could not be loaded on the server; try another model";
    }
    log("Command failed:", error);
    return INTERNAL_ERROR;
  }

  async function run(name: ComputeName, options: CheckedOptions): Promise<Reply> {
    const model = await deps.loadModel(options.model);
    const signal = AbortSignal.timeout(timeoutSeconds * 1000);
    if (name === "predict") {
      const result = await predict(model, options.text, { topK: 5, signal });
      return { content: predictSummary(result, options.model), ephemeral: false };
    }
    const explanation = await explain(model, options.text, {
      method: options.method,
      target: options.target,
      signal,
    });
    const png = await deps.renderPng(explanation);
    return {
      content: explainSummary(explanation, options.model),
      ephemeral: false,
      image: { name: "explanation.png", data: png, description: altText(explanation) },
    };
  }

  return async (name, options) => {
    try {
      return await run(name, options);
    } catch (error) {
      return failure(name, reason(error));
    }
  };
}

/** What users are told when the failure is the bot's, not their input's. */
export const INTERNAL_ERROR = "an internal error happened; it was logged";

/** The ephemeral reply of a command that failed. */
export function failure(name: ComputeName, reason: string): Reply {
  return { content: `Could not ${name}: ${reason}`, ephemeral: true };
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}

function refuse(reason: string): Plan {
  return { reply: { content: reason, ephemeral: true } };
}

/** Options of /explain and /predict after checking. */
export interface CheckedOptions {
  text: string;
  model: string;
  method: string;
  target?: string;
}

/**
 * Checks command options against the limits the registered commands declare (Discord enforces them
 * in its client, but the HTTP endpoint and local mode receive whatever is sent).
 *
 * @returns The checked options, or the reason they were refused.
 */
export function checkOptions(
  name: "explain" | "predict",
  options: Record<string, string | undefined>,
  models: readonly string[],
): CheckedOptions | string {
  const allowed = name === "explain" ? ["text", "method", "target", "model"] : ["text", "model"];
  const extra = Object.keys(options).filter((key) => !allowed.includes(key));
  if (extra.length > 0) {
    return `Unknown option ${extra[0]} for /${name}: it takes ${allowed.join(", ")}`;
  }
  const { text, method = "occlusion", target, model = models[0] } = options;
  if (typeof text !== "string" || text.trim().length === 0) {
    return "The text is empty: give at least one word";
  }
  if (text.length > TEXT_MAX_LENGTH) {
    return `The text is ${text.length} characters long; the limit is ${TEXT_MAX_LENGTH}`;
  }
  if (!models.includes(model)) {
    return `Unknown model ${model}: this bot has ${models.join(", ")}`;
  }
  if (name === "predict") return { text, model, method };
  try {
    getMethod(method);
  } catch (error) {
    if (error instanceof UnknownMethodError) return error.message;
    throw error;
  }
  if (target !== undefined && (target.length === 0 || target.length > TARGET_MAX_LENGTH)) {
    return `The target must be 1 to ${TARGET_MAX_LENGTH} characters long, got ${target.length}`;
  }
  return { text, model, method, target };
}

/** Escapes Discord markdown so echoed user text shows as typed. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`|>#<:\[\]]/g, "\\$&").replace(/\s+/g, " ");
}

/** Units the summary and alt text name: words when the explanation has them, else tokens. */
interface Ranked {
  text: string;
  score: number;
}

/**
 * The units with the largest absolute scores, largest first (ties keep text order).
 *
 * @param level `word` uses `explanation.words` (falling back to tokens) and skips punctuation
 *   unless the text has nothing else; `token` ranks every non-special token.
 */
export function topUnits(
  explanation: Explanation,
  count: number,
  level: "word" | "token",
): Ranked[] {
  let units: Ranked[] = level === "word" && explanation.words
    ? explanation.words.map((w) => ({ text: w.text, score: w.score }))
    : explanation.tokens.flatMap((t, i) =>
      t.special ? [] : [{ text: t.text, score: explanation.scores[i] }]
    );
  if (level === "word") {
    const words = units.filter((unit) => /[\p{L}\p{N}]/u.test(unit.text));
    if (words.length > 0) units = words;
  }
  return units
    .map((unit, index) => ({ unit, index }))
    .sort((a, b) => Math.abs(b.unit.score) - Math.abs(a.unit.score) || a.index - b.index)
    .slice(0, count)
    .map(({ unit }) => unit);
}

function percent(probability: number): string {
  return `${(probability * 100).toFixed(1)}%`;
}

/** A label or token in bold. Surrounding spaces (GPT-2 tokens start with one) would break the bold
 * markup; a token that is only whitespace is shown quoted. */
function label(text: string): string {
  const shown = text.trim();
  return `**${escapeMarkdown(shown === "" ? JSON.stringify(text) : shown)}**`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The message that goes with the picture: top prediction and probability, what was explained and
 * how, and the three words that mattered most.
 */
export function explainSummary(explanation: Explanation, modelId: string): string {
  const top = explanation.predictions[0];
  const target = explanation.target;
  const lines = [
    `Top prediction: ${label(top.label)} ${percent(top.probability)} · model \`${modelId}\``,
  ];
  const why = target.id === top.id
    ? `Why ${label(target.label)}`
    : `Why ${label(target.label)} (${percent(target.probability)})`;
  lines.push(`${why}, by \`${explanation.method.id}\` (${explanation.method.output})`);
  const words = topUnits(explanation, SUMMARY_WORDS, "word")
    .map((w) => `${label(w.text)} (${formatScore(w.score)})`);
  lines.push(`Words that mattered most: ${words.join(", ")}`);
  return clip(lines.join("\n"), CONTENT_MAX_LENGTH);
}

/** Alt text for the picture: what it shows and the tokens with the largest scores. */
export function altText(explanation: Explanation): string {
  const tokens = topUnits(explanation, ALT_TEXT_TOKENS, "token")
    .map((t) => `"${t.text}" ${formatScore(t.score)}`);
  return clip(
    `Token attributions by ${explanation.method.id} for ${
      JSON.stringify(explanation.target.label)
    }` +
      ` (p = ${explanation.target.probability.toFixed(3)}). Top tokens: ${tokens.join(", ")}. ` +
      `Text: ${explanation.text}`,
    ALT_TEXT_MAX_LENGTH,
  );
}

/** The message of /predict: the top predictions with probabilities. */
export function predictSummary(result: PredictResult, modelId: string): string {
  const lines = result.predictions.map((p, i) =>
    `${i + 1}. ${label(p.label)} ${percent(p.probability)}`
  );
  return clip(`Predictions of \`${modelId}\`:\n${lines.join("\n")}`, CONTENT_MAX_LENGTH);
}

/** The reply of /methods: every registered method with its kind and description. */
export function methodsList(): string {
  return clip(
    [
      "Methods for /explain (default `occlusion`):",
      ...METHODS.map((m) => `- \`${m.id}\` (${m.kind}): ${m.description}`),
    ].join("\n"),
    CONTENT_MAX_LENGTH,
  );
}
