/**
 * Which graph file under `onnx/` a model loads, chosen the way transformers.js chooses it: a `dtype`
 * names a file suffix (`q8` is `model_quantized.onnx`), a `variant` names the file outright, and a
 * text-generation repo that ships only a decoder (`decoder_model_merged.onnx` or `decoder_model.onnx`)
 * is found without either. When nothing matches, the error lists what the directory holds, so the
 * user sees which dtype to ask for instead of a bare "file not found".
 *
 * @module
 */
import type { Task } from "./explanation.ts";
import { ModelLoadError } from "./errors.ts";
import { type Base, listDirectory, readResource, type ResourceOptions } from "./resources.ts";

/** The `dtype` values transformers.js knows, in its order. */
export const DTYPES = ["fp32", "fp16", "q8", "int8", "uint8", "q4", "q4f16", "bnb4"] as const;
/** A graph precision, naming a file suffix. */
export type Dtype = typeof DTYPES[number];

const SUFFIX: Record<Dtype, string> = {
  fp32: "",
  fp16: "_fp16",
  q8: "_quantized",
  int8: "_int8",
  uint8: "_uint8",
  q4: "_q4",
  q4f16: "_q4f16",
  bnb4: "_bnb4",
};

/** Decoder-only exports name their graph after the decoder; tried after `model`, in this order. */
const DECODER_STEMS = ["decoder_model_merged", "decoder_model"];

/**
 * The file names to try, in order.
 *
 * @throws RangeError for an unknown dtype, a variant that is not a plain file name, or both given.
 */
export function candidateFiles(
  task: Task,
  choice: { dtype?: string; variant?: string },
): string[] {
  const { dtype, variant } = choice;
  if (dtype !== undefined && variant !== undefined) {
    throw new RangeError(
      `Cannot load model: give dtype ("${dtype}") or variant ("${variant}"), not both`,
    );
  }
  if (variant !== undefined) {
    if (!/^[\w.-]+$/.test(variant)) {
      throw new RangeError(
        `Cannot load model: variant "${variant}" must be a file name such as model_quantized`,
      );
    }
    return [`${variant}.onnx`];
  }
  if (dtype !== undefined && !(DTYPES as readonly string[]).includes(dtype)) {
    throw new RangeError(
      `Cannot load model: dtype "${dtype}" is not one of ${DTYPES.join(", ")}`,
    );
  }
  const suffix = SUFFIX[(dtype ?? "fp32") as Dtype];
  const stems = task === "text-generation" ? ["model", ...DECODER_STEMS] : ["model"];
  return stems.map((stem) => `${stem}${suffix}.onnx`);
}

/** The dtype whose suffix a file name carries, for the hint in the not-found message. */
function dtypeOf(file: string): Dtype | undefined {
  const stem = file.replace(/\.onnx$/, "");
  return DTYPES.find((d) => ["model", ...DECODER_STEMS].some((s) => stem === s + SUFFIX[d]));
}

/**
 * Reads the first candidate that exists.
 *
 * @returns The path relative to the base (`onnx/<name>`) and the bytes.
 * @throws ModelLoadError naming the first candidate, the names tried and, for a directory, the
 *   `.onnx` files it holds.
 */
export async function readGraph(
  base: Base,
  candidates: string[],
  options: ResourceOptions,
): Promise<{ onnxFile: string; onnx: Uint8Array }> {
  for (const name of candidates) {
    const onnx = await readResource(base, `onnx/${name}`, { ...options, optional: true });
    if (onnx) return { onnxFile: `onnx/${name}`, onnx };
  }
  const dir = new URL("onnx/", base);
  const tried = candidates.length > 1 ? ` (tried ${candidates.join(", ")})` : "";
  const first = new URL(candidates[0], dir);
  if (base.protocol !== "file:") {
    throw new ModelLoadError(first.href, `file not found${tried}`);
  }
  const present = (await listDirectory(dir))?.filter((f) => f.endsWith(".onnx")).sort();
  const shownDir = decodeURIComponent(dir.pathname);
  const holds = present === undefined
    ? `${shownDir} does not exist`
    : present.length === 0
    ? `${shownDir} holds no .onnx files`
    : `${shownDir} holds ${
      present.map((f) => {
        const d = dtypeOf(f);
        return d ? `${f} (dtype ${d})` : f;
      }).join(", ")
    }`;
  throw new ModelLoadError(decodeURIComponent(first.pathname), `file not found${tried}; ${holds}`);
}
