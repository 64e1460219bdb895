/**
 * Runs a model's gradient graph: builds it once per model and objective kind (cached in
 * `model.derived` through `memoDerived`, and on disk under `model.cacheDir` when one is given), keeps
 * its session, and splits large requests into batches. Methods see plain Float32Arrays: embeddings in, gradients out.
 *
 * @module
 */
import type { OutputKind } from "../explanation.ts";
import { AbortError } from "../errors.ts";
import type { Model } from "../model.ts";
import { OnnxGraph } from "../onnx/graph.ts";
import { createSession, type TensorData } from "../session.ts";
import { memoDerived } from "../derived.ts";
import { planFeeds } from "../feeds.ts";
import {
  buildGradientGraph,
  GRADIENT_IO,
  type GradientGraph,
  modelFeeds,
  OWN_INPUTS,
  WEIGHTS_FILE,
} from "./model_graph.ts";

/** What the runner needs from a {@link Model}. */
export type GradientModel = Pick<
  Model,
  "onnx" | "externalData" | "hash" | "backend" | "createSession" | "derived" | "cacheDir"
>;

/** One gradient request: `rows` embedding sequences of the same token ids. */
export interface GradientRequest {
  /** [rows, seq, hidden] embeddings, row-major. */
  embeds: Float32Array;
  rows: number;
  /** The token ids (the graph may read them for shapes or masks; embeddings decide the values). */
  ids: readonly number[];
  targetId: number;
  contrastId?: number;
  /** Explained position (causal LMs); ignored by classifiers. */
  position: number;
  /** 1 for attended tokens, 0 for masked ones (positions follow it, see feeds.ts); all ones by default. */
  attentionMask?: readonly number[];
  /** Most rows per backward run (batches are made equal); by default about 2048 tokens per run. */
  batchSize?: number;
  /** Called after every batch with rows done and total; may throw to stop (abort). */
  onBatch?(done: number, total: number): void;
}

/** Gradients and objective values, per row. */
export interface GradientResult {
  /** dJ/d(inputs_embeds), [rows, seq, hidden]. */
  grads: Float32Array;
  /** J per row: f(target) - f(contrast) in the chosen output. */
  objective: Float64Array;
  /** Backward runs made. */
  runs: number;
}

/** A model's gradient graph, ready to run. */
export interface GradientRunner {
  readonly output: OutputKind;
  readonly hidden: number;
  readonly vocabSize: number;
  /** Word embeddings of the ids, [ids.length, hidden]. */
  embed(ids: readonly number[]): Float32Array;
  run(request: GradientRequest, signal?: AbortSignal): Promise<GradientResult>;
}

/** The model's external data plus its own bytes, from which gradient graphs read their weights. */
function withWeights(model: GradientModel, file: string): { path: string; data: Uint8Array }[] {
  return [...model.externalData, { path: file, data: model.onnx }];
}

/** Bumped whenever the builder's output changes, so that stale on-disk graphs are not reused. */
export const GRAPH_VERSION = 1;

/** Tokens per backward run when the caller does not choose a batch size. */
const TOKENS_PER_RUN = 2048;

async function cachedGraph(model: GradientModel, output: OutputKind): Promise<GradientGraph> {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  const file = model.cacheDir && deno
    ? `${model.cacheDir}/${model.hash}-gradient-v${GRAPH_VERSION}-${output}`
    : undefined;
  if (file) {
    try {
      const meta = JSON.parse(await deno!.readTextFile(`${file}.json`)) as Omit<
        GradientGraph,
        "bytes"
      >;
      return { ...meta, bytes: await deno!.readFile(`${file}.onnx`) };
    } catch {
      // Not cached yet (or unreadable): build it.
    }
  }
  // The probe session is released right away, so it is not one of the model's own sessions.
  const probeSession = (bytes: Uint8Array) =>
    createSession(bytes, {
      backend: model.backend,
      externalData: withWeights(model, WEIGHTS_FILE),
    });
  const built = await buildGradientGraph(model.onnx, output, probeSession);
  if (file) {
    const { bytes, ...meta } = built;
    await deno!.mkdir(model.cacheDir!, { recursive: true });
    await deno!.writeFile(`${file}.onnx`, bytes);
    await deno!.writeTextFile(`${file}.json`, JSON.stringify(meta));
  }
  return built;
}

/**
 * The gradient runner of a model for one objective kind, built on first use and cached per model.
 *
 * @param model A loaded model.
 * @param output logit, probability or log-probability.
 * @returns The runner (shared by every later call with the same model and output).
 * @throws UnsupportedOpError when the model cannot be differentiated (remembered: later calls get
 *   the same error without a rebuild).
 */
export function gradientRunner(model: GradientModel, output: OutputKind): Promise<GradientRunner> {
  return memoDerived(model, `gradient:${output}`, () => createRunner(model, output));
}

async function createRunner(model: GradientModel, output: OutputKind): Promise<GradientRunner> {
  const built = await cachedGraph(model, output);
  const session = await model.createSession(built.bytes, withWeights(model, built.weightsFile));
  const { hidden, vocabSize } = built;
  const table =
    OnnxGraph.parse(model.onnx).readFloat32(built.embeddingName, model.externalData).data;
  const names = new Set(built.inputs.map((i) => i.name));
  const plan = planFeeds(built.inputs, "the gradient graph", OWN_INPUTS);
  const io = GRADIENT_IO;

  return {
    output,
    hidden,
    vocabSize,
    embed(ids) {
      const out = new Float32Array(ids.length * hidden);
      ids.forEach((id, i) => {
        if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
          throw new RangeError(
            `Cannot embed token id ${id}: the vocabulary has ids 0..${vocabSize - 1}`,
          );
        }
        out.set(table.subarray(id * hidden, (id + 1) * hidden), i * hidden);
      });
      return out;
    },
    async run(request, signal) {
      const { rows, ids, embeds } = request;
      const seq = ids.length;
      if (embeds.length !== rows * seq * hidden) {
        throw new RangeError(
          `Cannot run gradients: embeds hold ${embeds.length} values, expected ${rows} x ${seq} x ${hidden}`,
        );
      }
      const limit = Math.max(1, request.batchSize ?? Math.floor(TOKENS_PER_RUN / seq));
      // Equal batches: 52 rows with a limit of 16 run as 4 x 13, not 16 + 16 + 16 + 4.
      const batch = Math.ceil(rows / Math.ceil(rows / limit));
      const grads = new Float32Array(embeds.length);
      const objective = new Float64Array(rows);
      let runs = 0;
      for (let start = 0; start < rows; start += batch) {
        if (signal?.aborted) throw new AbortError();
        const n = Math.min(batch, rows - start);
        const feeds: Record<string, TensorData> = modelFeeds(plan, n, ids, request.attentionMask);
        feeds[io.embeds] = {
          type: "float32",
          dims: [n, seq, hidden],
          data: embeds.subarray(start * seq * hidden, (start + n) * seq * hidden),
        };
        feeds[io.target] = {
          type: "int64",
          dims: [n],
          data: new BigInt64Array(n).fill(BigInt(request.targetId)),
        };
        feeds[io.contrast] = {
          type: "int64",
          dims: [n],
          data: new BigInt64Array(n).fill(BigInt(request.contrastId ?? request.targetId)),
        };
        feeds[io.contrastWeight] = {
          type: "float32",
          dims: [n],
          data: new Float32Array(n).fill(request.contrastId === undefined ? 0 : 1),
        };
        if (names.has(io.position)) {
          feeds[io.position] = {
            type: "int64",
            dims: [],
            data: new BigInt64Array([BigInt(request.position)]),
          };
        }
        const out = await session.run(feeds, [io.objective, io.gradient]);
        grads.set(out[io.gradient].data as Float32Array, start * seq * hidden);
        (out[io.objective].data as Float32Array).forEach((v, i) => (objective[start + i] = v));
        runs++;
        request.onBatch?.(start + n, rows);
      }
      return { grads, objective, runs };
    },
  };
}
