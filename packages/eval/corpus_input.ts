/**
 * Reading a corpus: lines of a file (streamed, bounded memory), one corpus item from a line, and
 * {@link readCorpus}, which streams the items of a JSONL file, a plain-text file (one item per line),
 * a CSV file with a `text` column (and an optional `id` column), or a directory of `.txt` files (one
 * item per file, in name order). `readCorpus` never throws for one bad item: a line that is not valid
 * UTF-8, not JSON, or a CSV row without its `text` field comes out as an item with an `error`, so that a
 * queue of a million items records the bad ones and goes on. Only an input that cannot be read at all
 * (missing, a CSV header without a `text` column) throws.
 *
 * Uses the Deno file-system API.
 *
 * @module
 */
import { InputError } from "@glassbox/core";

/** Lines of a file as bytes, without their `\n` (or `\r\n`), streamed. */
export async function* readByteLines(path: string): AsyncGenerator<Uint8Array> {
  const file = await Deno.open(path);
  let pending = new Uint8Array(0);
  const cut = (line: Uint8Array) =>
    line.length && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
  for await (const chunk of file.readable) {
    let buffer = chunk;
    if (pending.length) {
      buffer = new Uint8Array(pending.length + chunk.length);
      buffer.set(pending);
      buffer.set(chunk, pending.length);
    }
    let start = 0;
    for (let nl = buffer.indexOf(0x0a); nl >= 0; nl = buffer.indexOf(0x0a, start)) {
      yield cut(buffer.subarray(start, nl));
      start = nl + 1;
    }
    pending = buffer.slice(start);
  }
  if (pending.length) yield cut(pending);
}

/**
 * Lines of a text file, streamed (`\r\n` or `\n`), decoded as UTF-8 with replacement characters for
 * bytes that are not (a byte-order mark at the start is dropped).
 */
export async function* readLines(path: string): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let first = true;
  for await (const bytes of readByteLines(path)) {
    const line = decoder.decode(bytes);
    yield first ? line.replace(/^\uFEFF/, "") : line;
    first = false;
  }
}

/** One corpus item: its id and text, or why the line is not an item. */
export function parseItem(
  line: string,
  lineNo: number,
  jsonl: boolean,
): { id: string; text: string } {
  if (!jsonl) return { id: String(lineNo), text: line };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new InputError(
      `line ${lineNo} is not JSON; a JSONL corpus has one {"text": ...} object per line`,
    );
  }
  const item = value as { id?: unknown; text?: unknown };
  if (!item || typeof item !== "object" || typeof item.text !== "string") {
    throw new InputError(
      `line ${lineNo} has no "text" string; a JSONL corpus has one {"text": ...} object per line`,
    );
  }
  const id = item.id === undefined ? String(lineNo) : String(item.id);
  return { id, text: item.text };
}

/** Corpus formats; `auto` decides by the path (a directory, `.csv`, `.jsonl`) or a leading `{`. */
export type CorpusFormat = "auto" | "jsonl" | "text" | "csv" | "dir";

/** Whether a line-per-item file is JSONL (the formats `explainCorpus` reads). */
export async function isJsonl(path: string, format: CorpusFormat | undefined): Promise<boolean> {
  if (format === "jsonl") return true;
  if (format === "text") return false;
  if (format !== "auto" && format !== undefined) {
    throw new TypeError(
      `"format" must be one of auto, jsonl, text, current value is ${JSON.stringify(format)}`,
    );
  }
  if (/\.jsonl?$/i.test(path)) return true;
  for await (const line of readLines(path)) {
    if (line.trim()) return line.trimStart().startsWith("{");
  }
  return false;
}

/** An item of {@link readCorpus}. */
export interface CorpusItem {
  /** Position among the items, from 0. */
  seq: number;
  /** Line where the item starts (file number, from 1, for a directory). */
  line: number;
  id: string;
  text: string;
  /** Why the item cannot be explained (its text is then what could be read, maybe empty). */
  error?: string;
}

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder("utf-8", { ignoreBOM: true });

/** Decodes strictly; on invalid UTF-8 gives the lossy text and the error. */
function decode(bytes: Uint8Array, where: string): { text: string; error?: string } {
  try {
    return { text: strict.decode(bytes) };
  } catch {
    return { text: lossy.decode(bytes), error: `${where} is not valid UTF-8` };
  }
}

/** The format {@link readCorpus} will read `path` as. */
export async function corpusFormat(
  path: string,
  format: CorpusFormat = "auto",
): Promise<Exclude<CorpusFormat, "auto">> {
  const formats = ["auto", "jsonl", "text", "csv", "dir"];
  if (!formats.includes(format)) {
    throw new TypeError(
      `"format" must be one of ${formats.join(", ")}, current value is ${JSON.stringify(format)}`,
    );
  }
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new InputError(`Cannot read corpus ${path}: no such file or directory`);
    }
    throw error;
  }
  if (info.isDirectory !== (format === "dir") && format !== "auto") {
    throw new InputError(
      `Cannot read corpus ${path} as ${format}: it is ${
        info.isDirectory ? "a directory" : "a file"
      }`,
    );
  }
  if (format !== "auto") return format;
  if (info.isDirectory) return "dir";
  if (/\.csv$/i.test(path)) return "csv";
  return (await isJsonl(path, "auto")) ? "jsonl" : "text";
}

/**
 * Streams the items of a corpus. Blank lines of line formats are skipped; ids are the items' `id`
 * (JSONL field, CSV column, file name without `.txt`) or their line (file) number.
 *
 * @throws InputError when the input does not exist, or a CSV header has no `text` column.
 */
export async function* readCorpus(
  path: string,
  format: CorpusFormat = "auto",
): AsyncGenerator<CorpusItem> {
  const kind = await corpusFormat(path, format);
  let seq = 0;
  if (kind === "dir") {
    const names: string[] = [];
    for await (const entry of Deno.readDir(path)) {
      if (entry.isFile && entry.name.endsWith(".txt")) names.push(entry.name);
    }
    names.sort();
    for (const [i, name] of names.entries()) {
      const { text, error } = decode(await Deno.readFile(`${path}/${name}`), name);
      const item = {
        seq: seq++,
        line: i + 1,
        id: name.slice(0, -4),
        text: text.replace(/\r?\n$/, ""),
      };
      yield error ? { ...item, error } : item;
    }
    return;
  }
  if (kind === "csv") {
    yield* readCsv(path);
    return;
  }
  let lineNo = 0;
  for await (const bytes of readByteLines(path)) {
    lineNo++;
    const decoded = decode(bytes, `line ${lineNo}`);
    const line = lineNo === 1 ? decoded.text.replace(/^\uFEFF/, "") : decoded.text;
    if (!line.trim()) continue;
    if (decoded.error) {
      yield { seq: seq++, line: lineNo, id: String(lineNo), text: line, error: decoded.error };
      continue;
    }
    let item: { id: string; text: string; error?: string };
    try {
      item = parseItem(line, lineNo, kind === "jsonl");
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      item = { id: String(lineNo), text: "", error: error.message };
    }
    yield { seq: seq++, line: lineNo, ...item };
  }
}

/** Splits CSV records (RFC 4180: `"` quotes, `""` escapes, newlines inside quotes). */
async function* readCsv(path: string): AsyncGenerator<CorpusItem> {
  let header: string[] | undefined;
  let textAt = -1, idAt = -1, seq = 0, lineNo = 0;
  let fields: string[] = [], field = "", quoted = false, start = 0, error: string | undefined;
  const emit = function* (): Generator<CorpusItem> {
    fields.push(field);
    const row = fields, line = start, rowError = error;
    fields = [];
    field = "";
    error = undefined;
    if (!header) {
      header = row.map((h) => h.trim());
      textAt = header.indexOf("text");
      idAt = header.indexOf("id");
      if (textAt < 0) {
        throw new InputError(
          `${path}: the CSV header has no "text" column (columns: ${header.join(", ")})`,
        );
      }
      return;
    }
    if (row.length === 1 && row[0].trim() === "" && !rowError) return;
    const id = idAt >= 0 && row[idAt] !== undefined && row[idAt] !== "" ? row[idAt] : String(line);
    const text = row[textAt] ?? "";
    const why = rowError ??
      (row.length !== header.length
        ? `line ${line} has ${row.length} fields, the header ${header.length}`
        : undefined);
    yield { seq: seq++, line, id, text, ...(why ? { error: why } : {}) };
  };
  for await (const bytes of readByteLines(path)) {
    lineNo++;
    const decoded = decode(bytes, `line ${lineNo}`);
    const line = lineNo === 1 ? decoded.text.replace(/^\uFEFF/, "") : decoded.text;
    if (!quoted) start = lineNo;
    error ??= decoded.error;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c !== '"') field += c;
        else if (line[i + 1] === '"') field += line[i++];
        else quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === ",") {
        fields.push(field);
        field = "";
      } else field += c;
    }
    if (quoted) field += "\n";
    else yield* emit();
  }
  if (quoted) {
    error = `line ${start} opens a quote that is never closed`;
    yield* emit();
  }
}
