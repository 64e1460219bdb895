import assert from "node:assert/strict";
import { InputError } from "@glassbox/core";
import { type CorpusItem, readCorpus } from "./corpus_input.ts";

async function items(path: string, format?: "csv" | "dir"): Promise<CorpusItem[]> {
  const got: CorpusItem[] = [];
  for await (const item of readCorpus(path, format)) got.push(item);
  return got;
}

Deno.test("readCorpus: JSONL with a bad line, invalid UTF-8 and blank lines", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/c.jsonl`;
    const bytes = new TextEncoder().encode(
      '{"id": "a", "text": "good"}\n\n{"body": 1}\n{"text": "caf\u00e9"}\r\nBAD\n',
    );
    // Line 5 gets a lone continuation byte: not UTF-8.
    const bad = new Uint8Array([...bytes.subarray(0, bytes.length - 4), 0x80, 0x0a]);
    await Deno.writeFile(path, bad);
    assert.deepEqual(await items(path), [
      { seq: 0, line: 1, id: "a", text: "good" },
      {
        seq: 1,
        line: 3,
        id: "3",
        text: "",
        error: 'line 3 has no "text" string; a JSONL corpus has one {"text": ...} object per line',
      },
      { seq: 2, line: 4, id: "4", text: "caf\u00e9" },
      { seq: 3, line: 5, id: "5", text: "\uFFFD", error: "line 5 is not valid UTF-8" },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readCorpus: CSV with quotes, a newline inside a field and a short row", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/c.csv`;
    await Deno.writeTextFile(
      path,
      'label,text,id\nPOS,"say ""hi"", twice",x1\nNEG,"two\nlines",\nshort\n\nPOS,plain,x5\n',
    );
    assert.deepEqual(await items(path), [
      { seq: 0, line: 2, id: "x1", text: 'say "hi", twice' },
      { seq: 1, line: 3, id: "3", text: "two\nlines" },
      { seq: 2, line: 5, id: "5", text: "", error: "line 5 has 1 fields, the header 3" },
      { seq: 3, line: 7, id: "x5", text: "plain" },
    ]);
    await Deno.writeTextFile(path, "label,body\nPOS,x\n");
    await assert.rejects(() => items(path), (e: Error) =>
      e instanceof InputError &&
      e.message === `${path}: the CSV header has no "text" column (columns: label, body)`);
    await Deno.writeTextFile(path, 'text\n"never closed\nmore\n');
    assert.deepEqual(await items(path), [{
      seq: 0,
      line: 2,
      id: "2",
      text: "never closed\nmore\n",
      error: "line 2 opens a quote that is never closed",
    }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readCorpus: a directory of .txt files in name order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/b.txt`, "second\n");
    await Deno.writeTextFile(`${dir}/a.txt`, "first\r\nline two");
    await Deno.writeTextFile(`${dir}/notes.md`, "ignored");
    await Deno.writeFile(`${dir}/c.txt`, new Uint8Array([0x61, 0xff]));
    assert.deepEqual(await items(dir), [
      { seq: 0, line: 1, id: "a", text: "first\r\nline two" },
      { seq: 1, line: 2, id: "b", text: "second" },
      { seq: 2, line: 3, id: "c", text: "a\uFFFD", error: "c.txt is not valid UTF-8" },
    ]);
    await assert.rejects(() => items(`${dir}/a.txt`, "dir"), {
      name: "InputError",
      message: `Cannot read corpus ${dir}/a.txt as dir: it is a file`,
    });
    await assert.rejects(() => items(`${dir}/nope.csv`), {
      name: "InputError",
      message: `Cannot read corpus ${dir}/nope.csv: no such file or directory`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
