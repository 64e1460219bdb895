/**
 * glassbox eval: evidence that an explanation can be trusted, and explanations of a model over a
 * whole corpus.
 *
 * - {@link faithfulness}: ERASER comprehensiveness and sufficiency (AOPC) and deletion / insertion
 *   curves with AUC, in batched forward passes; {@link withFaithfulness} puts them in
 *   `diagnostics.faithfulness`.
 * - {@link sanityCheck}: cascading randomization of the model's weights (Adebayo et al. 2018).
 * - {@link methodAgreement}: Spearman, Kendall tau-b and top-k overlap between methods.
 * - {@link plausibility}: token F1 and AUPRC against ground-truth words (the sentiment lexicon), and
 *   {@link negationWeight}: the weight on the negator of a negated sentence.
 * - {@link explainCorpus}: streams a corpus, explains every item with bounded memory, resumes after
 *   a kill, aggregates words per predicted label, writes `summary.json` and `report.html`.
 * - {@link readCorpus} and {@link explainItem}: the pieces of a corpus run that a distributed one
 *   (`explain-worker`) shares: items of JSONL, text, CSV or a directory of `.txt` files, and one
 *   item's record.
 *
 * @example Faithfulness of an explanation
 * ```ts ignore
 * import { explain, loadModel } from "@glassbox/core";
 * import { faithfulness } from "@glassbox/eval";
 * const model = await loadModel("distilbert-sentiment");
 * const explanation = await explain(model, "What a wonderful day", { method: "occlusion" });
 * console.log((await faithfulness(model, explanation)).comprehensiveness.aopc);
 * ```
 *
 * @module
 */
export {
  AOPC_FRACTIONS,
  type AopcBin,
  type Curve,
  faithfulness,
  type FaithfulnessOptions,
  type FaithfulnessReport,
  rankTokens,
  type Removal,
  REMOVALS,
  withFaithfulness,
} from "./faithfulness.ts";
export {
  cascadingRandomization,
  type LayerGroup,
  layerGroups,
  type RandomizationOptions,
  sanityCheck,
  type SanityOptions,
  type SanityReport,
  type SanityStep,
} from "./sanity.ts";
export {
  type Agreement,
  type AgreementOptions,
  compareScores,
  kendallTau,
  type MethodAgreement,
  methodAgreement,
  spearman,
  topKOverlap,
} from "./agreement.ts";
export {
  averagePrecision,
  type Lexicon,
  type NegationWeight,
  negationWeight,
  type Plausibility,
  plausibility,
  toLexicon,
} from "./plausibility.ts";
export {
  type CorpusOptions,
  type CorpusProgress,
  type CorpusSummary,
  explainCorpus,
  type SummaryInfo,
  writeSummary,
} from "./corpus.ts";
export {
  type CorpusFormat,
  corpusFormat,
  type CorpusItem,
  readByteLines,
  readCorpus,
  readLines,
} from "./corpus_input.ts";
export { explainItem, type ItemResult, type ItemSettings } from "./corpus_item.ts";
export {
  type AggregateOptions,
  type AttentionStats,
  attentionStats,
  CorpusAggregate,
  type Histogram,
  type ItemRecord,
  type MethodSummary,
  type WordStat,
} from "./aggregate.ts";
export { renderReport } from "./report.ts";
