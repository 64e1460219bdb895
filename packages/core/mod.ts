/**
 * glassbox core: load a transformer model in the Hugging Face ONNX layout, tokenize with character
 * offsets, predict, and explain predictions with attribution methods, in Deno, Node, browsers and
 * edge runtimes.
 *
 * @example Explain a sentiment prediction
 * ```ts ignore
 * import { explain, loadModel } from "@glassbox/core";
 * const model = await loadModel("distilbert-sentiment");
 * const explanation = await explain(model, "What a wonderful day", { method: "occlusion" });
 * console.log(explanation.words?.map((w) => `${w.text} ${w.score.toFixed(3)}`));
 * ```
 *
 * @module
 */
export * from "./src/explanation.ts";
export * from "./src/errors.ts";
export { loadModel, type LoadModelOptions, type Model, type ModelConfig } from "./src/model.ts";
export { type Dtype, DTYPES } from "./src/model_files.ts";
export { BUNDLED_MODELS, bundledModelBase, DEFAULT_MODEL } from "./src/bundled.ts";
export { readResource, type ResourceOptions } from "./src/resources.ts";
export { type Encoded, type SpecialIds, TextTokenizer } from "./src/tokenizer.ts";
export {
  type Backend,
  createSession,
  type ModelSession,
  setOnnxWasmPaths,
  type TensorData,
} from "./src/session.ts";
export { MAX_TEXT_CHARS, predict, type PredictOptions, type PredictResult } from "./src/predict.ts";
export {
  createExplainer,
  explain,
  type Explainer,
  type ExplainOptions,
  OUTPUTS,
  type Progress,
  warmUp,
} from "./src/explain.ts";
export { getMethod, METHOD_IDS, METHODS } from "./src/methods/registry.ts";
export { defineMethod, type MethodSet, methodSet } from "./src/methods/define.ts";
export type {
  AnyParams,
  Capabilities,
  MethodContext,
  MethodInfo,
  MethodResult,
  MethodSpec,
  Objective,
  OptionSpec,
  OptionValue,
  ParamsOf,
} from "./src/methods/types.ts";
export { type Aggregation, AGGREGATIONS, mergeWords } from "./src/words.ts";
export { validateOptions } from "./src/options.ts";
export { getKernels, useKernels } from "./src/kernels.ts";
export { findTaps, runTaps, type TapNames, type TapValues } from "./src/internals/taps.ts";
export { forwardLogits } from "./src/forward.ts";
export { feedsFor } from "./src/feeds.ts";
export { entropy, objectiveOf, softmax, topK } from "./src/scoring.ts";
export { type GradientRunner, gradientRunner } from "./src/gradients/runner.ts";
export { attr, makeTensor, OnnxGraph, readTensor } from "./src/onnx/graph.ts";
export { DataType, decodeModel, encodeModel } from "./src/onnx/proto.ts";
