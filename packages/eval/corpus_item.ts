/**
 * One item of a corpus run: {@link explainItem} explains a text with every method of the run and
 * returns its `items.jsonl` record (word scores, faithfulness, attention statistics, agreement between
 * methods). Items the model cannot take (empty, too long) become records with an `error`. The
 * single-machine run (corpus.ts) and the queue workers of `explain-worker` both call it, so their
 * records, and so their summaries, are the same.
 *
 * @module
 */
import { explain, type Explanation, InputError, type Model, runTaps } from "@glassbox/core";
import { attentionStats, type ItemMethodRecord, type ItemRecord } from "./aggregate.ts";
import { compareScores } from "./agreement.ts";
import { faithfulness } from "./faithfulness.ts";

/** What every item of a run is explained with. */
export interface ItemSettings {
  /** Method ids; the first one's target is explained by the others too. */
  methods: readonly string[];
  /** Options per method id. */
  params?: Record<string, Record<string, unknown>>;
  /** Compute faithfulness per item. */
  faithfulness: boolean;
  /** Attention statistics per layer and head, from one extra forward pass through core's taps. */
  attentionStats: boolean;
  signal?: AbortSignal;
}

/** The record of an item, and a notice when the model turned out to have no attention to tap. */
export interface ItemResult {
  record: ItemRecord;
  /** Set when attention statistics were asked for and cannot be had: ask for them no more. */
  noAttention?: string;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** The per-item record of one method's explanation. */
async function methodRecord(
  model: Model,
  explanation: Explanation,
  withFaithfulness: boolean,
  signal?: AbortSignal,
): Promise<ItemMethodRecord> {
  const words: [string, number][] = explanation.words?.length
    ? explanation.words.map((w) => [w.text, round(w.score)])
    : explanation.tokens.flatMap((t, i) =>
      t.special ? [] : [[t.text, round(explanation.scores[i])]]
    );
  const record: ItemMethodRecord = { words, elapsedMs: round(explanation.diagnostics.elapsedMs) };
  if (withFaithfulness) {
    const f = await faithfulness(model, explanation, { signal });
    record.faithfulness = {
      comprehensiveness: round(f.comprehensiveness.aopc),
      sufficiency: round(f.sufficiency.aopc),
      deletion: round(f.deletion.auc),
      insertion: round(f.insertion.auc),
    };
  }
  return record;
}

/**
 * Explains one corpus item with every method of the run.
 *
 * @returns The record; an item the model cannot take (an {@link InputError}) gets `error` set.
 * @throws Anything but an InputError (an internal failure, AbortError).
 */
export async function explainItem(
  model: Model,
  item: { id: string; text: string },
  settings: ItemSettings,
): Promise<ItemResult> {
  const record: ItemRecord = { id: item.id, text: item.text };
  let noAttention: string | undefined;
  try {
    const methods: Record<string, ItemMethodRecord> = {};
    let first: Explanation | undefined;
    for (const method of settings.methods) {
      const explanation = await explain(model, item.text, {
        method,
        params: settings.params?.[method],
        targetId: first?.target.id,
        signal: settings.signal,
      });
      first ??= explanation;
      methods[method] = await methodRecord(
        model,
        explanation,
        settings.faithfulness,
        settings.signal,
      );
    }
    record.label = first!.target.label;
    record.probability = round(first!.target.probability);
    record.methods = methods;
    if (settings.attentionStats) {
      const tokens = first!.tokens;
      try {
        const taps = await runTaps(model, tokens.map((t) => t.id));
        const n = taps.tokens, special = tokens.map((t) => t.special);
        record.attention = {};
        taps.attention.forEach(({ data, heads }, l) => {
          for (let h = 0; h < heads; h++) {
            const stats = attentionStats(data.subarray(h * n * n, (h + 1) * n * n), n, special);
            record.attention![`${l}/${h}`] = {
              entropy: round(stats.entropy),
              special: round(stats.special),
              self: round(stats.self),
            };
          }
        });
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        // The model has no attention the taps can find: the caller says so once and goes on without.
        noAttention = `No attention statistics: ${error.message}`;
      }
    }
    const ids = Object.keys(methods);
    if (ids.length > 1) {
      record.agreement = {};
      for (let a = 0; a < ids.length; a++) {
        for (let b = a + 1; b < ids.length; b++) {
          const rho = compareScores(
            methods[ids[a]].words.map((w) => w[1]),
            methods[ids[b]].words.map((w) => w[1]),
          ).spearman;
          if (Number.isFinite(rho)) record.agreement[`${ids[a]}~${ids[b]}`] = round(rho);
        }
      }
    }
  } catch (error) {
    // Items the model cannot take are recorded and counted; anything else stops the run.
    if (!(error instanceof InputError)) throw error;
    record.error = error.message;
  }
  return noAttention ? { record, noAttention } : { record };
}
