/**
 * Loading a model in the Hugging Face layout that transformers.js uses: `config.json`,
 * `tokenizer.json`, optional `tokenizer_config.json`, and a graph under `onnx/` (`model.onnx`, a dtype
 * variant such as `model_quantized.onnx`, or a decoder export; see model_files.ts), with external data
 * files. The same call works for a bundled demo model
 * (by short name), a local directory, and an http(s) URL base, in Deno, Node and browsers.
 *
 * @module
 */
import type { Task } from "./explanation.ts";
import { ModelLoadError } from "./errors.ts";
import { type Base, readJson, readResource, type ResourceOptions, toBase } from "./resources.ts";
import { type Backend, createSession, type ModelSession } from "./session.ts";
import { TextTokenizer } from "./tokenizer.ts";
import { checkIds, maxTokensOf, type VocabularyLimit } from "./model_bounds.ts";
import { findWordEmbedding } from "./feeds.ts";
import { OnnxGraph } from "./onnx/graph.ts";
import { candidateFiles, type Dtype, readGraph } from "./model_files.ts";
import { BUNDLED_MODELS, bundledModelBase } from "./bundled.ts";

/** The parts of a Hugging Face `config.json` glassbox reads. */
export interface ModelConfig {
  architectures?: string[];
  model_type?: string;
  id2label?: Record<string, string>;
  max_position_embeddings?: number;
  n_positions?: number;
  n_ctx?: number;
  vocab_size?: number;
  [key: string]: unknown;
}

/** A loaded model: its config, tokenizer and a reusable session. */
export interface Model {
  /** Short name for bundled models, otherwise the source as given. */
  id: string;
  /** Where the files came from (URL ending in `/`). */
  base: string;
  task: Task;
  architecture: string;
  config: ModelConfig;
  /** Class labels by index (classifiers only). */
  labels?: string[];
  /** Most tokens (special tokens included) the model takes. */
  maxTokens: number;
  tokenizer: TextTokenizer;
  backend: Backend;
  /** The graph file, relative to `base`, e.g. `onnx/model.onnx`. */
  onnxFile: string;
  /** The serialized graph. */
  onnx: Uint8Array;
  /** External data files the graph references. */
  externalData: { path: string; data: Uint8Array }[];
  /** SHA-256 of the graph bytes, hex: the key for caches of derived graphs. */
  hash: string;
  session: ModelSession;
  /** Creates another session with the same backend and threads, for derived graphs. */
  createSession(
    bytes: Uint8Array,
    externalData?: { path: string; data: Uint8Array }[],
  ): Promise<ModelSession>;
  /**
   * Per-model cache of derived artefacts (gradient runners, the tapped graph, the logit lens, the
   * position head), keyed by purpose; filled through `memoDerived` (derived.ts), which says which
   * failures are remembered.
   */
  derived: Map<string, Promise<unknown>>;
  /** Directory for an on-disk cache of derived graphs, when the caller allows one. */
  cacheDir?: string;
  /** Releases every session of this model. */
  release(): Promise<void>;
}

/** Options for {@link loadModel}. */
export interface LoadModelOptions extends ResourceOptions {
  backend?: Backend;
  /** onnxruntime-web threads. */
  threads?: number;
  /**
   * Graph precision, as transformers.js names it: `fp32` loads `onnx/model.onnx`, `q8`
   * `model_quantized.onnx`, `fp16` `model_fp16.onnx`, and so on (see `DTYPES`). Text-generation models
   * fall back to `decoder_model_merged<suffix>.onnx`, then `decoder_model<suffix>.onnx`.
   */
  dtype?: Dtype | string;
  /** Graph file name under `onnx/` without `.onnx` (`model_quantized`...); excludes `dtype`. */
  variant?: string;
  /** Directory for an on-disk cache of derived graphs (gradient graphs). */
  cacheDir?: string;
  /** The id explanations name the model by (default: the source as given). */
  id?: string;
}

function taskOf(config: ModelConfig, file: string): { task: Task; architecture: string } {
  const architecture = config.architectures?.[0];
  if (!architecture) {
    throw new ModelLoadError(
      file,
      `"architectures" is missing; glassbox needs it to know the task`,
    );
  }
  if (/ForSequenceClassification$/.test(architecture)) {
    return { task: "text-classification", architecture };
  }
  if (/(LMHeadModel|ForCausalLM)$/.test(architecture)) {
    return { task: "text-generation", architecture };
  }
  throw new ModelLoadError(
    file,
    `architecture ${architecture} is not supported: use a *ForSequenceClassification or a *LMHeadModel / *ForCausalLM model`,
  );
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Finds the external data files a graph names (TensorProto.external_data "location" entries). */
function externalLocations(bytes: Uint8Array): string[] {
  // The location strings sit in the clear inside the protobuf; a byte scan for the key avoids a full
  // parse of a graph that may be hundreds of megabytes.
  const key = new TextEncoder().encode("location");
  const found = new Set<string>();
  outer: for (let i = 0; i + key.length + 4 < bytes.length; i++) {
    for (let k = 0; k < key.length; k++) if (bytes[i + k] !== key[k]) continue outer;
    // StringStringEntryProto: key (field 1) then value (field 2, tag 0x12, length, bytes).
    let p = i + key.length;
    if (bytes[p] !== 0x12) continue;
    p++;
    let len = 0, shift = 0;
    while (bytes[p] & 0x80) len |= (bytes[p++] & 0x7f) << shift, shift += 7;
    len |= bytes[p++] << shift;
    if (len <= 0 || len > 1024) continue;
    found.add(new TextDecoder().decode(bytes.subarray(p, p + len)));
  }
  return [...found];
}

/**
 * Loads a model.
 *
 * @param source A bundled model's short name (`distilbert-sentiment`, `gpt2-tiny`), a directory, or an
 *   http(s) URL base in the Hugging Face layout.
 * @param options Backend, dtype or variant, threads, fetch.
 * @returns The loaded model with one session, reused for every call.
 * @throws ModelLoadError naming the missing or corrupt file.
 *
 * @example Predict with the bundled sentiment model
 * ```ts
 * import { loadModel } from "./model.ts";
 * const model = await loadModel("distilbert-sentiment");
 * console.log(model.task); // "text-classification"
 * await model.release();
 * ```
 */
export async function loadModel(
  source: string | URL,
  options: LoadModelOptions = {},
): Promise<Model> {
  const name = String(source);
  const base: Base = typeof source === "string" && BUNDLED_MODELS.includes(source)
    ? bundledModelBase(source)
    : toBase(source);
  const shown = (path: string) =>
    base.protocol === "file:"
      ? decodeURIComponent(new URL(path, base).pathname)
      : new URL(path, base).href;

  const config = await readJson<ModelConfig>(base, "config.json", options);
  if (!config || typeof config !== "object") {
    throw new ModelLoadError(shown("config.json"), "not a JSON object");
  }
  const { task, architecture } = taskOf(config, shown("config.json"));
  const tokenizerJson = await readJson<Record<string, unknown>>(base, "tokenizer.json", options);
  const tokenizerConfig = await readJson<Record<string, unknown>>(base, "tokenizer_config.json", {
    ...options,
    optional: true,
  }) ?? {};
  let tokenizer: TextTokenizer;
  try {
    tokenizer = new TextTokenizer(tokenizerJson!, tokenizerConfig);
  } catch (error) {
    throw new ModelLoadError(
      shown("tokenizer.json"),
      `not a tokenizer: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }

  const { onnxFile, onnx } = await readGraph(
    base,
    candidateFiles(task, { dtype: options.dtype, variant: options.variant }),
    options,
  );
  const externalData: { path: string; data: Uint8Array }[] = [];
  for (const location of externalLocations(onnx)) {
    if (location.includes("..") || location.startsWith("/")) {
      throw new ModelLoadError(
        shown(onnxFile),
        `external data location "${location}" leaves the model directory`,
      );
    }
    externalData.push({
      path: location,
      data: (await readResource(base, `onnx/${location}`, options))!,
    });
  }

  const limits: VocabularyLimit[] = [];
  if (typeof config.vocab_size === "number") {
    limits.push({ file: shown("config.json"), source: "vocab_size", size: config.vocab_size });
  }
  const embedding = wordEmbeddingOf(onnx);
  if (embedding) {
    limits.push({
      file: shown(onnxFile),
      source: "the word-embedding table's row count",
      size: embedding.vocab,
    });
  }
  checkIds(config, tokenizerJson!, tokenizer.specialIds, limits);

  const backend = options.backend ?? "web";
  const make = (bytes: Uint8Array, data = externalData) =>
    createSession(bytes, { backend, threads: options.threads, externalData: data });
  let session: ModelSession;
  try {
    session = await make(onnx);
  } catch (error) {
    const reason = String((error as Error).message ?? error).split("\n")[0];
    throw new ModelLoadError(shown(onnxFile), `onnxruntime cannot load it (${reason})`, {
      cause: error,
    });
  }
  const logits = session.outputs.find((o) => o.name === "logits") ?? session.outputs[0];
  if (!logits) throw new ModelLoadError(shown(onnxFile), "the graph has no outputs");

  const labels = task === "text-classification" ? labelsOf(config) : undefined;
  const maxTokens = maxTokensOf(config);
  const sessions = new Set<ModelSession>([session]);
  const model: Model = {
    id: options.id ?? name,
    base: base.href,
    task,
    architecture,
    config,
    labels,
    maxTokens,
    tokenizer,
    backend,
    onnxFile,
    onnx,
    externalData,
    hash: await sha256(onnx),
    session,
    async createSession(bytes, data) {
      const s = await make(bytes, data);
      sessions.add(s);
      return s;
    },
    derived: new Map(),
    cacheDir: options.cacheDir,
    async release() {
      await Promise.all([...sessions].map((s) => s.release()));
      sessions.clear();
      model.derived.clear();
    },
  };
  return model;
}

/**
 * The word-embedding lookup, if the bytes parse; a corrupt graph is onnxruntime's to report. Not looked
 * for in a browser: the ONNX decoder generates code, which a page's Content-Security-Policy without
 * `'unsafe-eval'` reports as a violation even when the error is caught, and on-device predictions must
 * not need it. There the ids are checked against `vocab_size` only.
 */
function wordEmbeddingOf(onnx: Uint8Array) {
  const scope = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  if (scope.document !== undefined || scope.WorkerGlobalScope !== undefined) return undefined;
  try {
    return findWordEmbedding(OnnxGraph.parse(onnx));
  } catch {
    return undefined;
  }
}

function labelsOf(config: ModelConfig): string[] {
  const entries = Object.entries(config.id2label ?? {}).map(([k, v]) =>
    [Number(k), String(v)] as const
  );
  if (entries.length === 0) return ["LABEL_0", "LABEL_1"];
  const labels: string[] = [];
  for (const [k, v] of entries) labels[k] = v;
  for (let i = 0; i < labels.length; i++) labels[i] ??= `LABEL_${i}`;
  return labels;
}
