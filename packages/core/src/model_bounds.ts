/**
 * Limits a model's files must agree on, checked once at load time so that a mismatch is a
 * ModelLoadError naming the id and the size instead of an onnxruntime "index out of bounds" on the
 * first text that hits it: every id the tokenizer can make (and the pad, bos and eos ids of the
 * config) must be below `vocab_size` and below the word-embedding table's row count; and the longest
 * text a model takes, which for RoBERTa-family models is shorter than `max_position_embeddings`.
 *
 * @module
 */
import { ModelLoadError } from "./errors.ts";
import type { SpecialIds } from "./tokenizer.ts";

/** The tokenizer.json parts that hold ids. */
interface TokenizerIds {
  model?: { vocab?: Record<string, number> | [string, number][] };
  added_tokens?: { id: number; content: string }[];
}

/** The largest id the tokenizer can produce, with its token. */
function largestId(json: TokenizerIds): { id: number; token: string } | undefined {
  let best: { id: number; token: string } | undefined;
  const consider = (id: number, token: string) => {
    if (Number.isInteger(id) && (!best || id > best.id)) best = { id, token };
  };
  const vocab = json.model?.vocab;
  // Unigram vocabularies are [piece, score] lists whose ids are the positions.
  if (Array.isArray(vocab)) vocab.forEach(([token], id) => consider(id, token));
  else if (vocab && typeof vocab === "object") {
    for (const [token, id] of Object.entries(vocab)) consider(id, token);
  }
  for (const t of json.added_tokens ?? []) consider(t.id, t.content);
  return best;
}

/** A limit on ids and the file that sets it. */
export interface VocabularyLimit {
  file: string;
  /** What sets it, for the message: `vocab_size` or `the word-embedding table's row count`. */
  source: string;
  size: number;
}

/**
 * Checks every id the model can be fed against each limit.
 *
 * @throws ModelLoadError naming the file that sets the limit, the id and the size.
 */
export function checkIds(
  config: Record<string, unknown>,
  tokenizerJson: Record<string, unknown>,
  specialIds: SpecialIds,
  limits: VocabularyLimit[],
): void {
  const ids: { what: string; id: number }[] = [];
  for (const key of ["pad_token_id", "bos_token_id", "eos_token_id"]) {
    // eos_token_id is a list on some models (Llama 3: end of text and end of turn).
    for (const id of [config[key]].flat()) {
      if (typeof id === "number") ids.push({ what: `${key} ${id}`, id });
    }
  }
  for (const [kind, id] of Object.entries(specialIds)) {
    if (id !== undefined) ids.push({ what: `the tokenizer's ${kind} token id ${id}`, id });
  }
  const largest = largestId(tokenizerJson as TokenizerIds);
  if (largest) {
    ids.push({
      what: `the tokenizer's token ${JSON.stringify(largest.token)} with id ${largest.id}`,
      id: largest.id,
    });
  }
  for (const limit of limits) {
    for (const { what, id } of ids) {
      if (id >= 0 && id < limit.size) continue;
      throw new ModelLoadError(
        limit.file,
        `${what} is outside the vocabulary: ${limit.source} is ${limit.size}, so ids run 0..${
          limit.size - 1
        }`,
      );
    }
  }
}

/** Models whose positions start at `padding_idx + 1` (fairseq's learned positional embeddings). */
const OFFSET_POSITIONS = new Set(["roberta", "xlm-roberta", "camembert"]);

/**
 * The most tokens (special tokens included) a model takes: its position table's size, less
 * RoBERTa's offset, whose position ids run from `pad_token_id + 1` to
 * `max_position_embeddings - 1`.
 */
export function maxTokensOf(config: Record<string, unknown>): number {
  const positions = Number(
    config.max_position_embeddings ?? config.n_positions ?? config.n_ctx ?? 512,
  );
  if (!OFFSET_POSITIONS.has(String(config.model_type))) return positions;
  const paddingIdx = typeof config.pad_token_id === "number" ? config.pad_token_id : 1;
  return positions - paddingIdx - 1;
}
