/**
 * Corpus-level (global) explanations: folds the per-item records of a corpus run into aggregates whose
 * size depends on the vocabulary and the number of labels, never on the number of items. Per method and
 * predicted label: each word's mean attribution, mean |attribution| and frequency; per method:
 * histograms of the faithfulness scores; per attention layer and head (over all methods, from the
 * model's own attention probabilities): mean row entropy, attention to special tokens and to the token
 * itself. The same fold runs on fresh records and, when a run resumes,
 * on the records already written, so a resumed run ends with the same summary as an uninterrupted one.
 *
 * @module
 */

/** Faithfulness scores of one item, in probability units (see faithfulness.ts). */
export interface ItemFaithfulness {
  comprehensiveness: number;
  sufficiency: number;
  deletion: number;
  insertion: number;
}

/** Attention statistics of one matrix: mean row entropy (nats), mass on special tokens, on self. */
export interface AttentionStats {
  entropy: number;
  special: number;
  self: number;
}

/** What one method said about one item. */
export interface ItemMethodRecord {
  /** Words with their scores, `[text, score]`. */
  words: [string, number][];
  elapsedMs: number;
  faithfulness?: ItemFaithfulness;
}

/** One line of `items.jsonl`. */
export interface ItemRecord {
  id: string;
  text: string;
  /** Predicted label (the explained target). */
  label?: string;
  probability?: number;
  methods?: Record<string, ItemMethodRecord>;
  /** Attention statistics of every layer and head, keyed `layer/head` (0-based). */
  attention?: Record<string, AttentionStats>;
  /** Spearman (on |score|, over the words) between each pair of methods, keyed `a~b`. */
  agreement?: Record<string, number>;
  /** Why the item could not be explained (empty text, too long...); such items count as done. */
  error?: string;
}

/** A word's aggregate under one method and label. */
export interface WordStat {
  word: string;
  /** Mean attribution. */
  mean: number;
  /** Mean |attribution|. */
  meanAbs: number;
  /** Occurrences. */
  count: number;
}

/** A histogram over fixed bins. */
export interface Histogram {
  min: number;
  max: number;
  /** Counts of equal-width bins between min and max; values outside land in the end bins. */
  counts: number[];
  mean: number;
  n: number;
}

/** The summary of one method over the corpus. */
export interface MethodSummary {
  items: number;
  meanElapsedMs: number;
  labels: Record<string, {
    items: number;
    distinctWords: number;
    topPositive: WordStat[];
    topNegative: WordStat[];
  }>;
  faithfulness?: Record<keyof ItemFaithfulness, Histogram>;
}

const HISTOGRAM_RANGES: Record<keyof ItemFaithfulness, [number, number]> = {
  comprehensiveness: [-1, 1],
  sufficiency: [-1, 1],
  deletion: [0, 1],
  insertion: [0, 1],
};
const BINS = 20;

class HistogramBuilder {
  counts = new Array<number>(BINS).fill(0);
  sum = 0;
  n = 0;
  constructor(readonly min: number, readonly max: number) {}
  add(x: number) {
    if (!Number.isFinite(x)) return;
    const bin = Math.floor(((x - this.min) / (this.max - this.min)) * BINS);
    this.counts[Math.min(BINS - 1, Math.max(0, bin))]++;
    this.sum += x;
    this.n++;
  }
  build(): Histogram {
    return {
      min: this.min,
      max: this.max,
      counts: this.counts.slice(),
      mean: this.n ? this.sum / this.n : NaN,
      n: this.n,
    };
  }
}

interface MethodAggregate {
  items: number;
  elapsedMs: number;
  /** label -> word -> [sum, sumAbs, count] */
  words: Map<string, Map<string, [number, number, number]>>;
  labelItems: Map<string, number>;
  faithfulness?: Record<keyof ItemFaithfulness, HistogramBuilder>;
}

/** Options for {@link CorpusAggregate}. */
export interface AggregateOptions {
  /** Words per list of top positive and top negative words. @default 15 */
  topWords?: number;
  /** Fewest occurrences for a word to be ranked (rare words have noisy means). @default 3 */
  minCount?: number;
}

/** The running aggregates of a corpus run. */
export class CorpusAggregate {
  items: number = 0;
  errors: number = 0;
  readonly labels: Map<string, number> = new Map();
  readonly #methods = new Map<string, MethodAggregate>();
  readonly #agreement = new Map<string, { sum: number; n: number }>();
  readonly #attention = new Map<string, AttentionStats & { n: number }>();
  readonly #topWords: number;
  readonly #minCount: number;

  constructor(options: AggregateOptions = {}) {
    this.#topWords = options.topWords ?? 15;
    this.#minCount = options.minCount ?? 3;
  }

  /** Folds one item in. */
  add(record: ItemRecord): void {
    this.items++;
    if (record.error !== undefined || record.label === undefined) {
      this.errors++;
      return;
    }
    const label = record.label;
    this.labels.set(label, (this.labels.get(label) ?? 0) + 1);
    for (const [key, stats] of Object.entries(record.attention ?? {})) {
      const a = this.#attention.get(key) ?? { entropy: 0, special: 0, self: 0, n: 0 };
      a.entropy += stats.entropy;
      a.special += stats.special;
      a.self += stats.self;
      a.n++;
      this.#attention.set(key, a);
    }
    for (const [pair, rho] of Object.entries(record.agreement ?? {})) {
      if (!Number.isFinite(rho)) continue;
      const a = this.#agreement.get(pair) ?? { sum: 0, n: 0 };
      a.sum += rho;
      a.n++;
      this.#agreement.set(pair, a);
    }
    for (const [id, m] of Object.entries(record.methods ?? {})) {
      let agg = this.#methods.get(id);
      if (!agg) {
        agg = {
          items: 0,
          elapsedMs: 0,
          words: new Map(),
          labelItems: new Map(),
        };
        this.#methods.set(id, agg);
      }
      agg.items++;
      agg.elapsedMs += m.elapsedMs;
      agg.labelItems.set(label, (agg.labelItems.get(label) ?? 0) + 1);
      let words = agg.words.get(label);
      if (!words) agg.words.set(label, words = new Map());
      for (const [text, score] of m.words) {
        const key = text.toLowerCase();
        const stat = words.get(key);
        if (stat) {
          stat[0] += score;
          stat[1] += Math.abs(score);
          stat[2]++;
        } else words.set(key, [score, Math.abs(score), 1]);
      }
      if (m.faithfulness) {
        agg.faithfulness ??= Object.fromEntries(
          Object.entries(HISTOGRAM_RANGES).map((
            [k, [lo, hi]],
          ) => [k, new HistogramBuilder(lo, hi)]),
        ) as Record<keyof ItemFaithfulness, HistogramBuilder>;
        for (const key of Object.keys(HISTOGRAM_RANGES) as (keyof ItemFaithfulness)[]) {
          agg.faithfulness[key].add(m.faithfulness[key]);
        }
      }
    }
  }

  /** The summary of everything folded in so far. */
  summary(): {
    items: number;
    errors: number;
    labels: Record<string, number>;
    methods: Record<string, MethodSummary>;
    agreement: Record<string, { spearman: number; n: number }>;
    attention: Record<string, AttentionStats & { n: number }>;
  } {
    const methods: Record<string, MethodSummary> = {};
    for (const [id, agg] of this.#methods) {
      const labels: MethodSummary["labels"] = {};
      for (const [label, words] of agg.words) {
        const stats: WordStat[] = [];
        for (const [word, [sum, sumAbs, count]] of words) {
          if (count >= this.#minCount) {
            stats.push({ word, mean: sum / count, meanAbs: sumAbs / count, count });
          }
        }
        const byMean = stats.sort((a, b) => b.mean - a.mean || a.word.localeCompare(b.word));
        labels[label] = {
          items: agg.labelItems.get(label) ?? 0,
          distinctWords: words.size,
          topPositive: byMean.filter((s) => s.mean > 0).slice(0, this.#topWords),
          topNegative: byMean.filter((s) => s.mean < 0).reverse().slice(0, this.#topWords),
        };
      }
      const summary: MethodSummary = {
        items: agg.items,
        meanElapsedMs: agg.items ? agg.elapsedMs / agg.items : NaN,
        labels,
      };
      if (agg.faithfulness) {
        summary.faithfulness = Object.fromEntries(
          Object.entries(agg.faithfulness).map(([k, h]) => [k, h.build()]),
        ) as Record<keyof ItemFaithfulness, Histogram>;
      }
      methods[id] = summary;
    }
    return {
      items: this.items,
      errors: this.errors,
      labels: Object.fromEntries(this.labels),
      methods,
      agreement: Object.fromEntries(
        [...this.#agreement].map(([pair, a]) => [pair, { spearman: a.sum / a.n, n: a.n }]),
      ),
      attention: Object.fromEntries(
        [...this.#attention].map(([key, a]) => [key, {
          entropy: a.entropy / a.n,
          special: a.special / a.n,
          self: a.self / a.n,
          n: a.n,
        }]),
      ),
    };
  }
}

/**
 * Statistics of one attention matrix (row-major [n, n], rows attend to columns): mean row entropy in
 * nats, mean attention on special tokens, mean attention of a token to itself. For causal models the
 * rows cover fewer columns, so their entropy is lower by construction.
 */
export function attentionStats(
  matrix: ArrayLike<number>,
  n: number,
  special: readonly boolean[],
): AttentionStats {
  let entropy = 0, onSpecial = 0, onSelf = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const p = matrix[i * n + j];
      if (p > 0) entropy -= p * Math.log(p);
      if (special[j]) onSpecial += p;
    }
    onSelf += matrix[i * n + i];
  }
  const rows = Math.max(1, n);
  return { entropy: entropy / rows, special: onSpecial / rows, self: onSelf / rows };
}
