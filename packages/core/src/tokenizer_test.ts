import assert from "node:assert/strict";
import { TextTokenizer } from "./tokenizer.ts";

const root = new URL("../../../testdata/models/", import.meta.url);
function load(name: string): TextTokenizer {
  const read = (f: string) => JSON.parse(Deno.readTextFileSync(new URL(`${name}/${f}`, root)));
  return new TextTokenizer(read("tokenizer.json"), read("tokenizer_config.json"));
}
const bert = load("distilbert-tiny-opset14");
const gpt2 = load("gpt2-tiny-opset14");

/** Strings that break naive offset code. */
const TRICKY = [
  "Hello world",
  "  leading and trailing spaces  ",
  "tabs\tand\nnewlines\r\n",
  "我们 love 可解释性 🙂 models",
  "日本語のテキストと한국어",
  "👩🏽‍💻 family 👨‍👩‍👧 flags 🇫🇷 ok",
  "thumbs 👍🏿 up",
  "Cafe\u0301 and café, naïve déjà vu",
  "a\u0301\u0302b combining marks",
  "שלום עולם and مرحبا بالعالم",
  "x\u200by zero\u200dwidth\ufeff",
  "unbelievably,great!!! (really?) — “quotes” ‘here’",
  "İstanbul straße ÆØÅ",
  "emoji🙂glued🙂together",
  "mixed-123 numbers 4.56e7 $100",
];

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

Deno.test("spans are in order, inside the text, and never overlap", () => {
  for (const tok of [bert, gpt2]) {
    for (const text of TRICKY) {
      const { tokens } = tok.encode(text);
      let previous = 0;
      for (const t of tokens) {
        assert.ok(
          t.start >= previous,
          `${JSON.stringify(text)}: token ${JSON.stringify(t.text)} starts before the last ended`,
        );
        assert.ok(
          t.end >= t.start && t.end <= text.length,
          `${JSON.stringify(text)}: bad span ${t.start}-${t.end}`,
        );
        if (t.special) assert.equal(t.start, t.end);
        previous = t.end;
      }
    }
  }
});

Deno.test("byte-level BPE: spans joined give back the text, and whole-character tokens match their bytes", () => {
  for (const text of TRICKY) {
    const { tokens, ids } = gpt2.encode(text);
    assert.equal(
      tokens.map((t) => text.slice(t.start, t.end)).join(""),
      text,
      JSON.stringify(text),
    );
    for (const [i, t] of tokens.entries()) {
      const bytes = utf8(gpt2.decode([ids[i]]));
      const decoded = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
      if (!decoded.includes("\uFFFD")) {
        assert.equal(text.slice(t.start, t.end), decoded, `${JSON.stringify(text)} token ${i}`);
      }
    }
  }
});

Deno.test("byte-level BPE: a character split across tokens belongs to the token with its first byte", () => {
  const text = "🙂";
  const { tokens } = gpt2.encode(text);
  assert.ok(tokens.length >= 2, "GPT-2 splits 🙂 into byte pieces");
  assert.deepEqual([tokens[0].start, tokens[0].end], [0, 2]);
  for (const t of tokens.slice(1)) assert.deepEqual([t.start, t.end], [2, 2]);
});

Deno.test("byte-level BPE: known offsets", () => {
  const { ids, tokens } = gpt2.encode("Hello world, 我们");
  assert.deepEqual(ids.slice(0, 3), [15496, 995, 11]);
  assert.deepEqual(tokens.slice(0, 3).map((t) => [t.text, t.start, t.end]), [["Hello", 0, 5], [
    " world",
    5,
    11,
  ], [",", 11, 12]]);
});

function bertNormalize(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().normalize("NFD").replace(
    /\p{M}/gu,
    "",
  )
    .replace(/[\s\p{Cc}\p{Cf}]/gu, "");
}

Deno.test("WordPiece: every piece is the normalized text of its span", () => {
  // Where one character normalizes to several pieces (Hangul syllables decompose into jamo), the
  // character belongs to the first piece and the others have empty spans: so each span's normalized
  // text starts with its piece, and joined over the text, spans and pieces agree exactly.
  const unk = bert.specialIds.unk!;
  for (const text of TRICKY) {
    const { tokens, ids } = bert.encode(text);
    let spans = "", pieces = "";
    for (const [i, t] of tokens.entries()) {
      if (t.special) continue;
      const slice = text.slice(t.start, t.end);
      if (ids[i] === unk) {
        assert.ok(
          slice.length > 0 && !/\s/.test(slice),
          `${JSON.stringify(text)}: [UNK] span ${JSON.stringify(slice)}`,
        );
        continue;
      }
      const piece = bert.idToToken(ids[i])!.replace(/^##/, "");
      if (slice) {
        assert.ok(
          bertNormalize(slice).startsWith(piece),
          `${JSON.stringify(text)} token ${i}: ${slice} vs ${piece}`,
        );
      }
      spans += bertNormalize(slice);
      pieces += piece;
    }
    assert.equal(spans, pieces, JSON.stringify(text));
  }
});

Deno.test("WordPiece: known offsets, specials, unknown words and dropped characters", () => {
  const text = "  Café naïve 👩🏽‍💻 x\u200by";
  const { tokens } = bert.encode(text);
  assert.deepEqual(
    tokens.map((t) => [t.text, t.start, t.end, t.special]),
    [
      ["[CLS]", 0, 0, true],
      ["Café", 2, 6, false],
      ["naïve", 7, 12, false],
      ["👩🏽‍💻", 13, 20, false],
      ["x", 21, 22, false],
      ["y", 23, 24, false],
      ["[SEP]", 24, 24, true],
    ],
  );
  assert.deepEqual(bert.encode("hello world").ids, [101, 7592, 2088, 102]);
  assert.deepEqual(bert.specialIds, {
    pad: 0,
    unk: 100,
    mask: 103,
    cls: 101,
    sep: 102,
    bos: undefined,
    eos: undefined,
  });
});

Deno.test("WordPiece: decomposed accents stay with their letter", () => {
  const text = "Cafe\u0301s";
  const { tokens } = bert.encode(text);
  const pieces = tokens.filter((t) => !t.special);
  assert.equal(pieces.map((t) => text.slice(t.start, t.end)).join(""), text);
});

Deno.test("byte-level BPE behind a Llama-3 style Split pre-tokenizer keeps exact offsets", () => {
  const json = JSON.parse(Deno.readTextFileSync(new URL("gpt2-tiny-opset14/tokenizer.json", root)));
  json.pre_tokenizer = {
    type: "Sequence",
    pretokenizers: [
      {
        type: "Split",
        pattern: {
          Regex:
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
        },
        behavior: "Isolated",
        invert: false,
      },
      { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  };
  const llama = new TextTokenizer(json, {});
  for (const text of TRICKY) {
    const { tokens } = llama.encode(text);
    assert.equal(
      tokens.map((t) => text.slice(t.start, t.end)).join(""),
      text,
      JSON.stringify(text),
    );
    // Each token's span is exactly what its bytes decode to. A piece holding only part of a
    // character has an empty span: it is decoded with the piece before it, which owns the character.
    for (let i = 0; i < tokens.length;) {
      let j = i + 1;
      while (j < tokens.length && tokens[j].start === tokens[j].end) j++;
      const span = text.slice(tokens[i].start, tokens[j - 1].end);
      const decoded = llama.decode(tokens.slice(i, j).map((t) => t.id));
      assert.equal(span, decoded, `${JSON.stringify(text)}: tokens ${i}-${j - 1}`);
      i = j;
    }
  }
  const digits = llama.encode("12345 apples");
  assert.deepEqual(digits.tokens.map((t) => t.text).slice(0, 2), ["123", "45"]);
});
