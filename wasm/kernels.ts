/**
 * The typed API over the kernel module: `createKernels` instantiates a compiled module (SIMD or
 * scalar build, both export the same functions) and returns functions on typed arrays. Each call
 * lays out its inputs in the module's linear memory (growing it when needed), copies them in once,
 * runs the kernel and copies the result out once. Calls are synchronous and not reentrant.
 *
 * @module
 */

/** Which build runs: the v128 SIMD bodies or the scalar twins. */
export type KernelVariant = "simd" | "scalar";

/** The k best entries of each row. */
export interface TopK {
  /** rows x k indices into the row, best first (ties: lower index first). */
  indices: Int32Array;
  /** rows x k values matching `indices`. */
  values: Float32Array;
}

/** Gauss-Legendre rule on [0, 1]. */
export interface Quadrature {
  /** Ascending nodes in (0, 1). */
  nodes: Float64Array;
  /** Positive weights summing to 1. */
  weights: Float64Array;
}

/** Shape of an attention stack: layers x heads x tokens x tokens probabilities. */
export interface AttentionShape {
  layers: number;
  heads: number;
  tokens: number;
}

/** Inputs of {@linkcode Kernels.weightedLeastSquares}. */
export interface LeastSquaresProblem {
  /** Design matrix, samples x features, row-major. */
  x: Float64Array;
  /** Non-negative sample weights (samples). */
  weights: Float64Array;
  /** Targets (samples). */
  y: Float64Array;
  /** Number of features (columns of x). */
  features: number;
  /** Ridge penalty added to the diagonal, >= 0. @default 0 */
  lambda?: number;
}

/** The kernels, running in one WebAssembly instance. */
export interface Kernels {
  /** Which build this instance runs. */
  readonly variant: KernelVariant;
  /** Row-wise softmax of a rows x vocab matrix (rows = logits.length / vocab). */
  softmax(logits: Float32Array, vocab: number): Float32Array;
  /** Row-wise log-softmax of a rows x vocab matrix. */
  logSoftmax(logits: Float32Array, vocab: number): Float32Array;
  /** The k largest entries of each row of a rows x vocab matrix, descending. */
  topK(logits: Float32Array, vocab: number, k: number): TopK;
  /** Sum over the last axis of length d (B x n x d -> B x n). */
  sumLastAxis(x: Float32Array, d: number): Float32Array;
  /** Euclidean norm over the last axis of length d (saliency). */
  l2NormLastAxis(x: Float32Array, d: number): Float32Array;
  /** Dot product of a and b over the last axis of length d (gradient x input). */
  dotLastAxis(a: Float32Array, b: Float32Array, d: number): Float32Array;
  /**
   * Solves (X^T W X + lambda I) beta = X^T W y through a Cholesky factorisation.
   * @throws {RangeError} when the system is not positive definite (collinear or unweighted
   * features with lambda = 0).
   */
  weightedLeastSquares(problem: LeastSquaresProblem): Float64Array;
  /**
   * Attention rollout (Abnar & Zuidema 2020). `attention` is layers x heads x n x n, layer 0
   * nearest the embeddings, [query][key] within a head. Each layer becomes
   * A'_l = rownormalise(0.5 mean_heads(A_l) + 0.5 I) and the result is the product
   * R = A'_{L-1} ... A'_1 A'_0 (n x n, row-major): row i says how much output token i (after the
   * last layer) draws from each input token; rows sum to 1.
   */
  attentionRollout(attention: Float32Array, shape: AttentionShape): Float32Array;
  /**
   * Attention flow (Abnar & Zuidema 2020): in the graph of L + 1 layers of n nodes where the edge
   * from token a in layer l to token b in layer l + 1 has capacity A'_l[b][a] (as in rollout),
   * entry [i][j] of the n x n result is the maximum flow from input token j to output token i.
   * Pairs whose flow reaches min(out of the source, into the sink) are settled by a certificate
   * built from vectors shared across pairs (most pairs of a bidirectional stack); Dinic's
   * algorithm runs for the rest. bench/results/kernels.json has the times at 12 layers x 128
   * tokens.
   */
  attentionFlow(attention: Float32Array, shape: AttentionShape): Float64Array;
  /** Gauss-Legendre nodes and weights of the n-point rule on [0, 1]. */
  gaussLegendre(n: number): Quadrature;
}

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  simd(): number;
  softmax(src: number, dst: number, rows: number, n: number): void;
  logSoftmax(src: number, dst: number, rows: number, n: number): void;
  topK(src: number, rows: number, n: number, k: number, idx: number, val: number): void;
  sumRows(src: number, dst: number, rows: number, d: number): void;
  l2NormRows(src: number, dst: number, rows: number, d: number): void;
  dotRows(a: number, b: number, dst: number, rows: number, d: number): void;
  ridgeSolve(
    x: number,
    w: number,
    y: number,
    m: number,
    p: number,
    lambda: number,
    gram: number,
    beta: number,
  ): number;
  attentionRollout(a: number, l: number, h: number, n: number, out: number, scratch: number): void;
  attentionFlowScratchBytes(l: number, n: number): number;
  attentionFlow(a: number, l: number, h: number, n: number, out: number, scratch: number): void;
  gaussLegendre(n: number, nodes: number, weights: number): void;
}

const PAGE = 65536;

/** Bump allocation in linear memory above the module's heap base, reset on every call. */
class Arena {
  #top: number;
  constructor(readonly exports: Exports, readonly base: number) {
    this.#top = base;
  }
  /** Frees everything; returns this for chaining. */
  reset(): this {
    this.#top = this.base;
    return this;
  }
  /** Reserves bytes (16-byte aligned, so v128 loads line up) and returns the address. */
  alloc(bytes: number): number {
    const at = (this.#top + 15) & ~15;
    this.#top = at + bytes;
    const memory = this.exports.memory;
    if (this.#top > memory.buffer.byteLength) {
      if (this.#top > 2 ** 32 - PAGE) {
        throw new RangeError(
          `Cannot run the kernel: it needs ${this.#top} bytes of wasm memory, more than the 4 GiB allowed`,
        );
      }
      memory.grow(Math.ceil((this.#top - memory.buffer.byteLength) / PAGE));
    }
    return at;
  }
  /** Copies a typed array into memory (converting element type) at a fresh address. */
  put(data: Float32Array | Float64Array, type: "f32" | "f64"): number {
    const at = this.alloc(data.length * (type === "f32" ? 4 : 8));
    (type === "f32" ? this.f32(at, data.length) : this.f64(at, data.length)).set(data);
    return at;
  }
  f32(at: number, length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, at, length);
  }
  f64(at: number, length: number): Float64Array {
    return new Float64Array(this.exports.memory.buffer, at, length);
  }
  i32(at: number, length: number): Int32Array {
    return new Int32Array(this.exports.memory.buffer, at, length);
  }
}

function positiveInteger(kernel: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot run ${kernel}: "${name}" must be a positive integer, current value is ${value}`,
    );
  }
}

/** rows of a matrix with `cols` columns held in `data`, checking that the length divides. */
function rowsOf(kernel: string, data: ArrayLike<number>, name: string, cols: number): number {
  positiveInteger(kernel, name, cols);
  if (data.length === 0 || data.length % cols !== 0) {
    throw new RangeError(
      `Cannot run ${kernel}: the input length ${data.length} is not a positive multiple of ${name} = ${cols}`,
    );
  }
  return data.length / cols;
}

function checkAttention(kernel: string, attention: Float32Array, shape: AttentionShape): void {
  positiveInteger(kernel, "layers", shape.layers);
  positiveInteger(kernel, "heads", shape.heads);
  positiveInteger(kernel, "tokens", shape.tokens);
  const expected = shape.layers * shape.heads * shape.tokens * shape.tokens;
  if (attention.length !== expected) {
    throw new RangeError(
      `Cannot run ${kernel}: attention has ${attention.length} values, layers x heads x tokens x tokens = ${shape.layers} x ${shape.heads} x ${shape.tokens} x ${shape.tokens} needs ${expected}`,
    );
  }
}

/**
 * Instantiates the kernels from a compiled module or the bytes of one of the builds
 * (wasm/build/kernels.simd.wasm or kernels.scalar.wasm). Pass a `WebAssembly.Module` where
 * compiling from bytes is not allowed (Cloudflare workerd: `import mod from "./kernels.simd.wasm"`).
 *
 * @param source The compiled module, or its bytes.
 * @returns The kernels; `variant` says which build the module is.
 * @throws {TypeError} when the module does not export the kernel functions.
 *
 * @example Softmax of two rows
 * ```ts
 * import { createKernels } from "./kernels.ts";
 * const bytes = await Deno.readFile(new URL("./build/kernels.scalar.wasm", import.meta.url));
 * const kernels = await createKernels(bytes);
 * console.log(kernels.softmax(new Float32Array([1, 1, 1, 1]), 2)); // [0.5, 0.5, 0.5, 0.5]
 * ```
 */
export async function createKernels(source: WebAssembly.Module | BufferSource): Promise<Kernels> {
  const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source);
  const instance = await WebAssembly.instantiate(module, {});
  const exports = instance.exports as unknown as Exports;
  for (const name of ["memory", "heapBase", "softmax", "ridgeSolve", "attentionFlow"] as const) {
    if (!(name in exports)) {
      throw new TypeError(
        `Cannot create the kernels: the module does not export "${name}"; pass kernels.simd.wasm or kernels.scalar.wasm`,
      );
    }
  }
  const arena = new Arena(exports, exports.heapBase());
  const variant: KernelVariant = exports.simd() ? "simd" : "scalar";

  function rowwise(
    kernel: "softmax" | "logSoftmax",
    logits: Float32Array,
    vocab: number,
  ): Float32Array {
    const rows = rowsOf(kernel, logits, "vocab", vocab);
    const at = arena.reset().put(logits, "f32");
    exports[kernel](at, at, rows, vocab);
    return arena.f32(at, logits.length).slice();
  }

  function lastAxis(
    kernel: "sumRows" | "l2NormRows",
    name: string,
    x: Float32Array,
    d: number,
  ): Float32Array {
    const rows = rowsOf(name, x, "d", d);
    const src = arena.reset().put(x, "f32");
    const dst = arena.alloc(rows * 4);
    exports[kernel](src, dst, rows, d);
    return arena.f32(dst, rows).slice();
  }

  return {
    variant,
    softmax: (logits, vocab) => rowwise("softmax", logits, vocab),
    logSoftmax: (logits, vocab) => rowwise("logSoftmax", logits, vocab),
    topK(logits, vocab, k) {
      const rows = rowsOf("topK", logits, "vocab", vocab);
      if (!Number.isInteger(k) || k < 1 || k > vocab) {
        throw new RangeError(
          `Cannot run topK: "k" must be an integer in 1..vocab (${vocab}), current value is ${k}`,
        );
      }
      const src = arena.reset().put(logits, "f32");
      const idx = arena.alloc(rows * k * 4);
      const val = arena.alloc(rows * k * 4);
      exports.topK(src, rows, vocab, k, idx, val);
      return {
        indices: arena.i32(idx, rows * k).slice(),
        values: arena.f32(val, rows * k).slice(),
      };
    },
    sumLastAxis: (x, d) => lastAxis("sumRows", "sumLastAxis", x, d),
    l2NormLastAxis: (x, d) => lastAxis("l2NormRows", "l2NormLastAxis", x, d),
    dotLastAxis(a, b, d) {
      const rows = rowsOf("dotLastAxis", a, "d", d);
      if (b.length !== a.length) {
        throw new RangeError(
          `Cannot run dotLastAxis: a has ${a.length} values and b has ${b.length}; they must match`,
        );
      }
      arena.reset();
      const pa = arena.put(a, "f32");
      const pb = arena.put(b, "f32");
      const dst = arena.alloc(rows * 4);
      exports.dotRows(pa, pb, dst, rows, d);
      return arena.f32(dst, rows).slice();
    },
    weightedLeastSquares({ x, weights, y, features, lambda = 0 }) {
      const kernel = "weightedLeastSquares";
      const samples = rowsOf(kernel, x, "features", features);
      if (weights.length !== samples || y.length !== samples) {
        throw new RangeError(
          `Cannot run ${kernel}: x has ${samples} samples of ${features} features, so weights and y need ${samples} values; they have ${weights.length} and ${y.length}`,
        );
      }
      if (!(lambda >= 0) || !Number.isFinite(lambda)) {
        throw new RangeError(
          `Cannot run ${kernel}: "lambda" must be finite and >= 0, current value is ${lambda}`,
        );
      }
      const negative = weights.findIndex((w) => !(w >= 0) || !Number.isFinite(w));
      if (negative >= 0) {
        throw new RangeError(
          `Cannot run ${kernel}: weights must be finite and >= 0, weight ${negative} is ${
            weights[negative]
          }`,
        );
      }
      arena.reset();
      const px = arena.put(x, "f64");
      const pw = arena.put(weights, "f64");
      const py = arena.put(y, "f64");
      const gram = arena.alloc(features * features * 8);
      const beta = arena.alloc(features * 8);
      const status = exports.ridgeSolve(px, pw, py, samples, features, lambda, gram, beta);
      if (status !== 0) {
        throw new RangeError(
          `Cannot solve the weighted least-squares system: X^T W X + lambda I is not positive definite (pivot ${status} of ${features} vanishes); some features are collinear or only appear in zero-weight samples, pass lambda > 0 to regularise`,
        );
      }
      return arena.f64(beta, features).slice();
    },
    attentionRollout(attention, shape) {
      checkAttention("attentionRollout", attention, shape);
      const n = shape.tokens;
      const src = arena.reset().put(attention, "f32");
      const out = arena.alloc(n * n * 4);
      const scratch = arena.alloc(2 * n * n * 4);
      exports.attentionRollout(src, shape.layers, shape.heads, n, out, scratch);
      return arena.f32(out, n * n).slice();
    },
    attentionFlow(attention, shape) {
      checkAttention("attentionFlow", attention, shape);
      const n = shape.tokens;
      const src = arena.reset().put(attention, "f32");
      const out = arena.alloc(n * n * 8);
      const scratch = arena.alloc(exports.attentionFlowScratchBytes(shape.layers, n));
      exports.attentionFlow(src, shape.layers, shape.heads, n, out, scratch);
      return arena.f64(out, n * n).slice();
    },
    gaussLegendre(n) {
      positiveInteger("gaussLegendre", "n", n);
      arena.reset();
      const nodes = arena.alloc(n * 8);
      const weights = arena.alloc(n * 8);
      exports.gaussLegendre(n, nodes, weights);
      return { nodes: arena.f64(nodes, n).slice(), weights: arena.f64(weights, n).slice() };
    },
  };
}
