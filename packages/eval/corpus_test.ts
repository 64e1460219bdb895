import assert from "node:assert/strict";
import { explain, InputError, loadModel } from "@glassbox/core";
import { explainCorpus } from "./corpus.ts";
import { readLines } from "./corpus_input.ts";
import { attentionStats, CorpusAggregate } from "./aggregate.ts";
import { renderReport } from "./report.ts";
import { loadToy, TOYS } from "./_toys.ts";

const SMALL = new URL("corpus_small.txt", TOYS).pathname;

Deno.test("CorpusAggregate: means, frequencies and histograms by hand", () => {
  const agg = new CorpusAggregate({ minCount: 2, topWords: 2 });
  const item = (id: string, label: string, words: [string, number][], comp: number) => ({
    id,
    text: "",
    label,
    methods: {
      m: {
        words,
        elapsedMs: 2,
        faithfulness: { comprehensiveness: comp, sufficiency: 0, deletion: 0.5, insertion: 1 },
      },
    },
  });
  agg.add(item("1", "POS", [["Good", 2], ["day", -1]], 0.05));
  agg.add(item("2", "POS", [["good", 4], ["day", 0.5], ["rare", 9]], 0.15));
  agg.add({ id: "3", text: "", error: "Text is empty" });
  agg.add({ ...item("4", "NEG", [], 0), agreement: { "m~n": 0.5 } });
  agg.add({ ...item("5", "NEG", [], 0), agreement: { "m~n": -0.1 } });
  const s = agg.summary();
  assert.equal(s.items, 5);
  assert.equal(s.errors, 1);
  assert.deepEqual(s.labels, { POS: 2, NEG: 2 });
  assert.ok(Math.abs(s.agreement["m~n"].spearman - 0.2) < 1e-12);
  assert.equal(s.agreement["m~n"].n, 2);
  const pos = s.methods.m.labels.POS;
  assert.deepEqual(pos.topPositive, [{ word: "good", mean: 3, meanAbs: 3, count: 2 }]);
  assert.deepEqual(pos.topNegative, [{ word: "day", mean: -0.25, meanAbs: 0.75, count: 2 }]);
  assert.equal(pos.distinctWords, 3);
  const comp = s.methods.m.faithfulness!.comprehensiveness;
  // 20 bins of width 0.1 over [-1, 1]: bin 10 is [0, 0.1) and holds 0.05 and the two 0s of items 4
  // and 5; 0.15 falls in bin 11.
  assert.deepEqual([comp.counts[9], comp.counts[10], comp.counts[11], comp.n], [0, 3, 1, 4]);
  assert.ok(Math.abs(comp.mean - 0.05) < 1e-12);
  assert.equal(s.methods.m.meanElapsedMs, 2);
});

Deno.test("readLines: CRLF and a last line without newline", async () => {
  const path = await Deno.makeTempFile();
  await Deno.writeTextFile(path, "a\r\nb\n\nc");
  const got: string[] = [];
  for await (const line of readLines(path)) got.push(line);
  assert.deepEqual(got, ["a", "b", "", "c"]);
  await Deno.remove(path);
});

Deno.test("explainCorpus: plain text, a torn last line, other settings refused", async () => {
  const model = await loadToy("bow-linear");
  const out = await Deno.makeTempDir();
  try {
    const first = await explainCorpus({
      model,
      methods: ["occlusion"],
      input: SMALL,
      out,
      limit: 5,
    });
    assert.equal(first.items, 5);
    assert.equal(first.complete, true);
    const items = `${out}/items.jsonl`;
    // A kill in the middle of a write leaves a torn line: it is cut off and that item redone.
    await Deno.writeTextFile(items, '{"id":"6","te', { append: true });
    const second = await explainCorpus({
      model,
      methods: ["occlusion"],
      input: SMALL,
      out,
      limit: 10,
    });
    assert.equal(second.resumed, 5);
    assert.equal(second.items, 10);
    const records = (await Deno.readTextFile(items)).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(records.map((r) => r.id), ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    const lines = (await Deno.readTextFile(SMALL)).split("\n");
    assert.equal(records[6].text, lines[6]);

    await assert.rejects(
      () =>
        explainCorpus({ model, methods: ["occlusion"], input: SMALL, out, faithfulness: false }),
      (e: Error) =>
        e instanceof InputError && e.message.startsWith(`${out} holds a run with other settings`),
    );
    const restarted = await explainCorpus({
      model,
      methods: ["occlusion"],
      input: SMALL,
      out,
      faithfulness: false,
      restart: true,
      limit: 3,
    });
    assert.equal(restarted.resumed, 0);
    assert.equal(restarted.items, 3);
    assert.equal(restarted.perMethod.occlusion.faithfulness, undefined);
    assert.match(await Deno.readTextFile(`${out}/report.html`), /^<!doctype html>/);
  } finally {
    await model.release();
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("explainCorpus: a JSONL line without text is refused with its line number", async () => {
  const model = await loadToy("bow-linear");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/c.jsonl`, '{"text": "good day"}\n{"body": "x"}\n');
    await assert.rejects(
      () =>
        explainCorpus({
          model,
          methods: ["occlusion"],
          input: `${dir}/c.jsonl`,
          out: `${dir}/out`,
        }),
      {
        name: "InputError",
        message:
          'line 2 has no "text" string; a JSONL corpus has one {"text": ...} object per line',
      },
    );
  } finally {
    await model.release();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderReport: text is escaped", () => {
  const html = renderReport({
    model: { id: "<m>", task: "text-classification", architecture: "X" },
    methods: ["occlusion"],
    input: "a&b",
    complete: true,
    items: 1,
    errors: 0,
    resumed: 0,
    labels: { POS: 1 },
    perMethod: {
      occlusion: {
        items: 1,
        meanElapsedMs: 1,
        labels: {
          POS: {
            items: 1,
            distinctWords: 1,
            topPositive: [{ word: "<script>", mean: 1, meanAbs: 1, count: 3 }],
            topNegative: [],
          },
        },
      },
    },
    agreement: { "occlusion~saliency": { spearman: 0.25, n: 1 } },
    attention: {
      "0/0": { entropy: 1, special: 0.5, self: 0.1, n: 1 },
      "0/1": { entropy: 2, special: 0.25, self: 0.2, n: 1 },
    },
    notices: [],
    memory: [],
    elapsedMs: 1,
  });
  assert.ok(!html.includes("<script>"));
  assert.ok(html.includes("&#60;script&#62;"));
  assert.ok(html.includes("&#60;m&#62;"));
  assert.match(html, /<td>occlusion<\/td><td>saliency<\/td><td>0\.250<\/td>/);
});

Deno.test("explainCorpus: attention statistics per layer and head match the attention method", async () => {
  const model = await loadModel(new URL("attn-tiny/", TOYS).href);
  const out = await Deno.makeTempDir();
  try {
    const summary = await explainCorpus({
      model,
      methods: ["attention"],
      input: SMALL,
      out,
      limit: 4,
      faithfulness: false,
    });
    assert.deepEqual(Object.keys(summary.attention), ["0/0", "0/1"]);
    const texts = (await Deno.readTextFile(SMALL)).split("\n").slice(0, 4);
    for (const head of [0, 1]) {
      const expected = { entropy: 0, special: 0, self: 0 };
      for (const text of texts) {
        const e = await explain(model, text, { method: "attention", params: { layer: 0, head } });
        const n = e.tokens.length;
        const s = attentionStats(e.attention!.matrix.flat(), n, e.tokens.map((t) => t.special));
        for (const k of ["entropy", "special", "self"] as const) expected[k] += s[k] / texts.length;
      }
      const got = summary.attention[`0/${head}`];
      assert.equal(got.n, 4);
      for (const k of ["entropy", "special", "self"] as const) {
        assert.ok(
          Math.abs(got[k] - expected[k]) < 1e-5,
          `${k} of head ${head}: ${got[k]} vs ${expected[k]}`,
        );
      }
    }
    assert.equal(
      (await Deno.readTextFile(`${out}/report.html`)).match(/layer 0 head 1:/g)?.length,
      3,
    );
  } finally {
    await model.release();
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("attentionStats: a uniform and an identity matrix by hand", () => {
  const uniform = [0.5, 0.5, 0.5, 0.5];
  const s = attentionStats(uniform, 2, [true, false]);
  assert.ok(Math.abs(s.entropy - Math.log(2)) < 1e-12);
  assert.equal(s.special, 0.5);
  assert.equal(s.self, 0.5);
  assert.deepEqual(attentionStats([1, 0, 0, 1], 2, [false, false]), {
    entropy: 0,
    special: 0,
    self: 1,
  });
});
