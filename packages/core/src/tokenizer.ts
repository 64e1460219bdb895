/**
 * Tokenization with `@huggingface/tokenizers`, plus what that library does not give: the UTF-16
 * character offsets of every token in the original text.
 *
 * Offsets are derived two ways:
 * - byte-level BPE (GPT-2, RoBERTa, Llama-3): every token is a string of byte symbols; mapped back to
 *   bytes, the tokens' bytes concatenate to the UTF-8 bytes of the text, so a token's byte span maps to
 *   a UTF-16 span.
 * - everything else (WordPiece, Metaspace / SentencePiece-style pieces): each piece is matched against
 *   the text after the same normalization (lowercasing, accent stripping) the tokenizer applied.
 *
 * The convention where a token splits a character (a byte-level piece holding part of an emoji's or a
 * CJK character's UTF-8 bytes): the character belongs to the token that holds its first byte. So the
 * spans of consecutive tokens never overlap and, joined, cover the text; a token made only of a
 * character's continuation bytes gets an empty span (`start === end`) at the end of that character.
 * Special tokens ([CLS], <|endoftext|>) have `start === end` at the place they stand and
 * `special: true`. Characters the tokenizer dropped (whitespace, control characters) belong to no token.
 *
 * @module
 */
import { Tokenizer } from "@huggingface/tokenizers";
import type { Token } from "./explanation.ts";

/** The ids of the special tokens methods use for baselines and padding. */
export interface SpecialIds {
  pad?: number;
  unk?: number;
  mask?: number;
  cls?: number;
  sep?: number;
  bos?: number;
  eos?: number;
}

/** The result of {@link TextTokenizer.encode}. */
export interface Encoded {
  ids: number[];
  tokens: Token[];
}

interface TokenizerJson {
  model?: { type?: string; unk_token?: string; continuing_subword_prefix?: string };
  pre_tokenizer?: unknown;
  decoder?: unknown;
  normalizer?: unknown;
  added_tokens?: { id: number; content: string; special?: boolean }[];
}

/** GPT-2's byte <-> printable-symbol table, inverted: symbol -> byte. */
const BYTE_OF_SYMBOL: ReadonlyMap<string, number> = (() => {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const symbols = bytes.slice();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      symbols.push(256 + extra++);
    }
  }
  return new Map(bytes.map((b, i) => [String.fromCodePoint(symbols[i]), b]));
})();

function mentions(node: unknown, type: string): boolean {
  if (node === null || typeof node !== "object") return false;
  const n = node as Record<string, unknown>;
  if (n.type === type) return true;
  return Object.values(n).some((v) =>
    Array.isArray(v) ? v.some((x) => mentions(x, type)) : mentions(v, type)
  );
}

const WHITESPACE = /^\s$/u;
const COMBINING = /\p{M}/gu;
// BERT's punctuation: Unicode P categories plus the ASCII symbols.
const PUNCTUATION = /^[\p{P}!-\/:-@[-`{-~]$/u;
const DROPPED = /^[\p{Cc}\p{Cf}]$/u;
const CJK =
  /^[\u4E00-\u9FFF\u3400-\u4DBF\u{20000}-\u{2A6DF}\u{2A700}-\u{2CEAF}\uF900-\uFAFF\u{2F800}-\u{2FA1F}]$/u;

/** A tokenizer that returns ids and tokens with character offsets. */
export class TextTokenizer {
  readonly #tokenizer: Tokenizer;
  readonly #byteLevel: boolean;
  readonly #lowercase: boolean;
  readonly #stripAccents: boolean;
  readonly #continuation: string;
  readonly #unk?: string;
  readonly #specialIdSet: Set<number>;
  /** Ids of the special tokens, where the tokenizer has them. */
  readonly specialIds: SpecialIds;
  /** Number of ids the tokenizer can produce. */
  readonly vocabSize: number;

  /**
   * @param json The parsed `tokenizer.json`.
   * @param config The parsed `tokenizer_config.json` (may be empty).
   */
  constructor(json: Record<string, unknown>, config: Record<string, unknown> = {}) {
    const tj = json as TokenizerJson;
    if (!tj.model || typeof tj.model !== "object") throw new TypeError(`"model" is missing`);
    this.#tokenizer = new Tokenizer(json, config);
    this.#byteLevel = mentions(tj.pre_tokenizer, "ByteLevel") || mentions(tj.decoder, "ByteLevel");
    const normalizer = tj.normalizer as Record<string, unknown> | null | undefined;
    this.#lowercase = mentions(normalizer, "Lowercase") ||
      (mentions(normalizer, "BertNormalizer") && findKey(normalizer, "lowercase") !== false);
    this.#stripAccents = mentions(normalizer, "StripAccents") ||
      (mentions(normalizer, "BertNormalizer") &&
        (findKey(normalizer, "strip_accents") ?? findKey(normalizer, "lowercase")) !== false);
    this.#continuation = tj.model.continuing_subword_prefix ??
      (tj.model.type === "WordPiece" ? "##" : "");
    this.#unk = tj.model.unk_token;
    this.#specialIdSet = new Set((tj.added_tokens ?? []).filter((t) => t.special).map((t) => t.id));
    const id = (...names: (string | undefined)[]) => {
      for (const name of names) {
        if (typeof name !== "string") continue;
        const found = this.#tokenizer.token_to_id(name);
        if (found !== undefined) return found;
      }
      return undefined;
    };
    const named = (key: string) => {
      const v = config[key];
      return typeof v === "string" ? v : (v as { content?: string } | undefined)?.content;
    };
    this.specialIds = {
      pad: id(named("pad_token"), "[PAD]", "<pad>"),
      unk: id(named("unk_token"), this.#unk, "[UNK]", "<unk>"),
      mask: id(named("mask_token"), "[MASK]", "<mask>"),
      cls: id(named("cls_token"), "[CLS]", "<s>"),
      sep: id(named("sep_token"), "[SEP]", "</s>"),
      bos: id(named("bos_token"), "<|endoftext|>", "<s>", "<|begin_of_text|>"),
      eos: id(named("eos_token"), "<|endoftext|>", "</s>", "<|end_of_text|>"),
    };
    this.vocabSize = this.#tokenizer.get_vocab(true).size;
  }

  /** Whether `id` is a special token of this tokenizer. */
  isSpecial(id: number): boolean {
    return this.#specialIdSet.has(id);
  }

  /** The id of a token given by its vocabulary string, or undefined. */
  tokenToId(token: string): number | undefined {
    return this.#tokenizer.token_to_id(token);
  }

  /** The vocabulary string of an id, or undefined. */
  idToToken(id: number): string | undefined {
    return this.#tokenizer.id_to_token(id);
  }

  /** Decodes ids to text. */
  decode(ids: readonly number[]): string {
    return this.#tokenizer.decode([...ids], {
      skip_special_tokens: false,
      clean_up_tokenization_spaces: false,
    });
  }

  /**
   * Encodes text with the tokenizer's special tokens and returns every token with its UTF-16 span.
   *
   * @example
   * ```ts ignore
   * const { tokens } = tokenizer.encode("Hello world");
   * tokens.map((t) => "Hello world".slice(t.start, t.end)); // ["Hello", " world"]
   * ```
   */
  encode(text: string, options: { addSpecialTokens?: boolean } = {}): Encoded {
    const encoding = this.#tokenizer.encode(text, {
      add_special_tokens: options.addSpecialTokens ?? true,
    });
    const ids = encoding.ids.map(Number);
    // The unknown token stands for real text, so it gets a span like any other.
    const special = ids.map((id) => this.#specialIdSet.has(id) && id !== this.specialIds.unk);
    const spans = this.#byteLevel
      ? byteLevelSpans(text, encoding.tokens, special)
      : this.#matchedSpans(text, encoding.tokens, special);
    const tokens = ids.map((id, i) => ({
      id,
      text: special[i] ? encoding.tokens[i] : text.slice(spans[i][0], spans[i][1]),
      start: spans[i][0],
      end: spans[i][1],
      special: special[i],
    }));
    return { ids, tokens };
  }

  /** The normalized form of one code point, as the tokenizer's normalizer would produce it. */
  #normalize(char: string): string {
    let s = char;
    if (this.#stripAccents) s = s.normalize("NFD").replace(COMBINING, "");
    if (this.#lowercase) s = s.toLowerCase();
    if (this.#stripAccents) s = s.normalize("NFD").replace(COMBINING, "");
    return s;
  }

  /** Spans by matching each piece against the normalized text, left to right. */
  #matchedSpans(text: string, pieces: string[], special: boolean[]): [number, number][] {
    const chars: { start: number; end: number; norm: string }[] = [];
    for (let i = 0; i < text.length;) {
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      const norm = WHITESPACE.test(ch) || DROPPED.test(ch) ? "" : this.#normalize(ch);
      chars.push({ start: i, end: i + ch.length, norm });
      i += ch.length;
    }
    let c = 0; // next character
    let within = 0; // characters of chars[c].norm already consumed by earlier pieces
    const spans: [number, number][] = [];
    const here = () => (c < chars.length ? chars[c].start : text.length);
    const skipEmpty = () => {
      while (c < chars.length && within === 0 && chars[c].norm === "") c++;
    };
    for (let t = 0; t < pieces.length; t++) {
      if (special[t]) {
        spans.push([here(), here()]);
        continue;
      }
      let piece = pieces[t];
      if (piece === this.#unk) {
        // An unknown word: one pre-token, i.e. a punctuation or CJK character, or a run of others.
        skipEmpty();
        const start = here();
        const single = (ch: string) => PUNCTUATION.test(ch) || CJK.test(ch);
        if (c < chars.length) {
          const first = text.slice(chars[c].start, chars[c].end);
          c++;
          if (!single(first)) {
            // Dropped characters (zero-width joiners) do not end the word; whitespace does.
            while (c < chars.length) {
              const ch = text.slice(chars[c].start, chars[c].end);
              if (WHITESPACE.test(ch) || single(ch)) break;
              c++;
            }
          }
        }
        within = 0;
        spans.push([start, here()]);
        continue;
      }
      if (
        this.#continuation && piece.startsWith(this.#continuation) &&
        piece.length > this.#continuation.length
      ) {
        piece = piece.slice(this.#continuation.length);
      }
      piece = piece.replace(/\u2581/g, " ").replace(/^ /, "");
      const target = this.#normalize(piece).replace(/\s/g, "");
      skipEmpty();
      const start = within > 0 ? chars[c].end : here();
      let matched = 0;
      let owned = within === 0;
      while (matched < target.length && c < chars.length) {
        const rest = chars[c].norm.length - within;
        if (rest <= 0) {
          c++;
          within = 0;
          owned = true;
          continue;
        }
        const take = Math.min(rest, target.length - matched);
        matched += take;
        within += take;
        if (within >= chars[c].norm.length) {
          c++;
          within = 0;
        }
        if (matched < target.length) owned = true;
      }
      // The character whose first normalized unit this piece took belongs to it (see @module).
      let end = within > 0 ? chars[c].end : here();
      if (!owned && start === end) end = start;
      // Combining marks that normalized away stay with the character before them.
      while (
        within === 0 && c < chars.length && chars[c].norm === "" &&
        /^\p{M}$/u.test(text[chars[c].start])
      ) {
        end = chars[c].end;
        c++;
      }
      spans.push([Math.min(start, end), end]);
    }
    return spans;
  }
}

function findKey(node: unknown, key: string): unknown {
  if (node === null || typeof node !== "object") return undefined;
  const n = node as Record<string, unknown>;
  if (key in n) return n[key];
  for (const v of Object.values(n)) {
    const found = Array.isArray(v)
      ? v.map((x) => findKey(x, key)).find((x) => x !== undefined)
      : findKey(v, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** UTF-8 byte offset -> UTF-16 offset of the character that byte starts or continues, for a text. */
function byteToUtf16(text: string): { starts: Int32Array; total: number } {
  const encoder = new TextEncoder();
  const bytes = encoder.encode(text);
  const starts = new Int32Array(bytes.length + 1);
  let b = 0;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let k = 0; k < n; k++) starts[b + k] = k === 0 ? i : -(i + units); // negative: continuation byte
    b += n;
    i += units;
  }
  starts[bytes.length] = text.length;
  return { starts, total: bytes.length };
}

/** Spans for byte-level BPE tokens (see the module doc for the split-character convention). */
function byteLevelSpans(text: string, pieces: string[], special: boolean[]): [number, number][] {
  const { starts, total } = byteToUtf16(text);
  const spans: [number, number][] = [];
  let b = 0;
  const offsetAt = (byte: number) => {
    if (byte >= total) return text.length;
    const s = starts[byte];
    return s >= 0 ? s : -s; // a continuation byte: the character ends at -s
  };
  for (let t = 0; t < pieces.length; t++) {
    if (special[t]) {
      spans.push([offsetAt(b), offsetAt(b)]);
      continue;
    }
    let n = 0;
    for (const symbol of pieces[t]) {
      n += BYTE_OF_SYMBOL.has(symbol) ? 1 : new TextEncoder().encode(symbol).length;
    }
    const start = offsetAt(b);
    b = Math.min(total, b + n);
    spans.push([start, Math.max(start, offsetAt(b))]);
  }
  return spans;
}
