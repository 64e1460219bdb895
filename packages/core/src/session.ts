/**
 * One interface over the ONNX runtimes glassbox can use: onnxruntime-web (WebAssembly, SIMD; the
 * default everywhere) and onnxruntime-node (native; optional, for servers on Node and Deno). Everything
 * above this file sees plain typed arrays, never a runtime's Tensor class, and every tensor a run
 * creates is released before `run` returns.
 *
 * @module
 */

/** Which onnxruntime runs the graphs. */
export type Backend = "web" | "node";

/** The element types glassbox feeds and reads. */
export type TensorType = "float32" | "float16" | "int64" | "int32" | "bool";

/** A tensor as plain data. */
export interface TensorData {
  type: TensorType;
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array;
  dims: readonly number[];
}

/** A graph input or output as the model declares it. */
export interface ValueInfo {
  name: string;
  type: string;
  /** Numbers for fixed dimensions, strings for symbolic ones. */
  shape: readonly (number | string)[];
}

/** A loaded ONNX graph ready to run. Runs are serialised: one at a time per session. */
export interface ModelSession {
  readonly backend: Backend;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  run(
    feeds: Record<string, TensorData>,
    outputNames?: readonly string[],
  ): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

/** Options for creating a session. */
export interface SessionOptions {
  backend?: Backend;
  /** Threads for onnxruntime-web (default 1; 2 helps models of DistilBERT-base size). */
  threads?: number;
  /** External data files the graph references, by the path it uses for them. */
  externalData?: { path: string; data: Uint8Array }[];
}

type Ort = typeof import("onnxruntime-web");

const runtimes = new Map<Backend, Promise<Ort>>();
let wasmPaths: string | undefined;

/**
 * Tells onnxruntime-web where its `.wasm` and `.mjs` files are served from, for pages that bundle
 * glassbox (Deno and Node find them in node_modules on their own).
 *
 * @param prefix A URL prefix ending in `/`, e.g. `/ort/`.
 */
export function setOnnxWasmPaths(prefix: string): void {
  wasmPaths = prefix;
}

/** Loads the runtime module once; onnxruntime-node is imported only when asked for. */
function runtime(backend: Backend): Promise<Ort> {
  let loading = runtimes.get(backend);
  if (!loading) {
    loading = backend === "node"
      ? import("onnxruntime-node") as unknown as Promise<Ort>
      : import("onnxruntime-web");
    runtimes.set(backend, loading);
  }
  return loading;
}

/** Whether `GLASSBOX_DEBUG` is set, where the runtime lets us read the environment. */
function debugging(): boolean {
  const g = globalThis as {
    Deno?: {
      env: { get(name: string): string | undefined };
      permissions: { querySync(p: { name: "env"; variable: string }): { state: string } };
    };
    process?: { env?: Record<string, string | undefined> };
  };
  if (!g.Deno) return Boolean(g.process?.env?.GLASSBOX_DEBUG);
  // Without env permission, asking would prompt the user; run quiet instead.
  const query = { name: "env", variable: "GLASSBOX_DEBUG" } as const;
  return g.Deno.permissions.querySync(query).state === "granted" &&
    Boolean(g.Deno.env.get("GLASSBOX_DEBUG"));
}

/**
 * onnxruntime's own log level: 4 (fatal only) unless GLASSBOX_DEBUG is set, then 2 (warnings). Its
 * error lines repeat, in colour and before ours, the message that the thrown error carries and
 * glassbox reports.
 */
function logSeverity(): 2 | 4 {
  return debugging() ? 2 : 4;
}

/**
 * Creates a session for an ONNX graph.
 *
 * @param bytes The serialized ModelProto.
 * @param options Backend, threads and external data.
 * @returns A session whose `run` takes and returns plain typed arrays.
 * @throws Error from the runtime when the bytes are not a valid model (callers wrap it).
 */
export async function createSession(
  bytes: Uint8Array,
  options: SessionOptions = {},
): Promise<ModelSession> {
  const backend = options.backend ?? "web";
  let ort: Ort;
  try {
    ort = await runtime(backend);
  } catch (cause) {
    runtimes.delete(backend);
    throw new Error(
      `onnxruntime-${backend} is not available in this runtime: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (backend === "web") {
    ort.env.wasm.numThreads = options.threads ?? 1;
    if (wasmPaths) ort.env.wasm.wasmPaths = wasmPaths;
    ort.env.logLevel = debugging() ? "warning" : "fatal";
  }
  const sessionOptions: Record<string, unknown> = {
    graphOptimizationLevel: "all",
    logSeverityLevel: logSeverity(),
  };
  if (options.externalData?.length) sessionOptions.externalData = options.externalData;
  const session = await ort.InferenceSession.create(bytes, sessionOptions);
  const runOptions = { logSeverityLevel: logSeverity() };
  const describe = (names: readonly string[], meta: readonly unknown[] | undefined): ValueInfo[] =>
    names.map((name, i) => {
      const m = meta?.[i] as
        | { type?: string; shape?: (number | string)[]; isTensor?: boolean }
        | undefined;
      return { name, type: m?.type ?? "unknown", shape: m?.shape ?? [] };
    });
  const inputs = describe(session.inputNames, session.inputMetadata);
  const outputs = describe(session.outputNames, session.outputMetadata);
  let queue: Promise<unknown> = Promise.resolve();
  let released = false;

  async function runNow(feeds: Record<string, TensorData>, outputNames?: readonly string[]) {
    const tensors: Record<string, InstanceType<Ort["Tensor"]>> = {};
    for (const [name, t] of Object.entries(feeds)) {
      tensors[name] = new ort.Tensor(t.type, t.data as Float32Array, t.dims as number[]);
    }
    const results = outputNames
      ? await session.run(tensors, outputNames as string[], runOptions)
      : await session.run(tensors, runOptions);
    const out: Record<string, TensorData> = {};
    for (const [name, t] of Object.entries(results)) {
      // onnxruntime-web hands out views it may reuse; copy before disposing.
      const data = (t.data as Float32Array).slice();
      out[name] = { type: t.type as TensorType, data, dims: [...t.dims] };
      t.dispose();
    }
    for (const t of Object.values(tensors)) t.dispose();
    return out;
  }

  return {
    backend,
    inputs,
    outputs,
    run(feeds, outputNames) {
      const next = queue.then(() => runNow(feeds, outputNames));
      queue = next.catch(() => undefined);
      return next;
    },
    async release() {
      // Safe to call more than once: a model and the cache that built a session may both release it.
      if (released) return;
      released = true;
      await queue;
      await session.release();
    },
  };
}
