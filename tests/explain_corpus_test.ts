/**
 * End-to-end tests of `explain-corpus`: the real command in a subprocess on the 1,000-sentence toy
 * corpus (testdata/eval/corpus_1000.jsonl) with the linear bag-of-words model, whose word attributions
 * are known (lexicon score / 2 toward POSITIVE), a kill midway and a resume.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const CORPUS = "testdata/eval/corpus_1000.jsonl";
const MODEL = "testdata/eval/bow-linear";

function command(out: string, ...extra: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "apps/cli/explain_corpus.ts",
      "--model",
      MODEL,
      "--method",
      "occlusion",
      "--input",
      CORPUS,
      "--out",
      out,
      "--min-count",
      "2",
      ...extra,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  });
}

async function lines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  return text.split("\n").filter(Boolean);
}

Deno.test("explain-corpus: 1,000 sentences, summary, report and flat memory", async () => {
  const out = await Deno.makeTempDir({ prefix: "glassbox-corpus-" });
  try {
    const result = await command(out).output();
    const stderr = new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 0, stderr);
    assert.match(stderr, /\[#+\] 1000\/1000 100% [\d.]+ items\/s ETA 0:00/);
    assert.equal(
      new TextDecoder().decode(result.stdout).trim(),
      `1000 items (0 from an earlier run, 0 not explainable) in ${out}: items.jsonl, summary.json, report.html`,
    );
    assert.equal((await lines(`${out}/items.jsonl`)).length, 1000);
    const summary = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
    assert.equal(summary.items, 1000);
    assert.equal(summary.complete, true);
    assert.equal(summary.labels.POSITIVE + summary.labels.NEGATIVE, 1000);
    const positive = summary.perMethod.occlusion.labels.POSITIVE;
    // bow-linear's weight toward POSITIVE is score / 2 whatever the sentence: superb (5) is the top
    // word and its mean attribution is exactly 2.5; the worst negative words are -1.5.
    assert.equal(positive.topPositive[0].word, "superb");
    assert.ok(Math.abs(positive.topPositive[0].mean - 2.5) < 1e-5);
    assert.ok(Math.abs(positive.topNegative[0].mean + 1.5) < 1e-5);
    const faith = summary.perMethod.occlusion.faithfulness;
    assert.equal(faith.comprehensiveness.n, 1000);
    assert.ok(faith.comprehensiveness.mean > faith.sufficiency.mean);

    const html = await Deno.readTextFile(`${out}/report.html`);
    assert.equal(
      (html.match(/<svg /g) ?? []).length,
      2 + 4 + 1,
      "2 word charts, 4 histograms, memory",
    );
    assert.ok(!/<script|src="http|href="http/.test(html), "self-contained");

    // Memory stays flat: after the first quarter, resident memory grows by less than 256 MB. The
    // bound is generous on purpose: RSS moves with the allocator and the machine's load (64 MB
    // flaked on a busy 2-core runner); what it catches is a run that holds the onnxruntime sessions
    // or tensors of every item, which grows by hundreds of MB over 750 items.
    const memory: { items: number; rssMB: number }[] = summary.memory;
    const quarter = memory.find((m) => m.items >= 250)!;
    const peak = Math.max(...memory.filter((m) => m.items >= 250).map((m) => m.rssMB));
    assert.ok(peak - quarter.rssMB < 256, `RSS ${quarter.rssMB} MB at 250 items, peak ${peak} MB`);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("explain-corpus: killed midway, it resumes without redoing finished items", async () => {
  const out = await Deno.makeTempDir({ prefix: "glassbox-corpus-" });
  try {
    const child = command(out).spawn();
    const items = `${out}/items.jsonl`;
    let count = 0;
    for (let waited = 0; count < 100 && waited < 60_000; waited += 5) {
      await new Promise((r) => setTimeout(r, 5));
      count = await Deno.readTextFile(items).then((t) => t.split("\n").length - 1, () => 0);
    }
    child.kill("SIGKILL");
    const killed = await child.output();
    assert.notEqual(killed.code, 0, "killed before it finished");
    const before = await lines(items);
    assert.ok(
      before.length >= 100 && before.length < 1000,
      `${before.length} items before the kill`,
    );
    const finished = before.length - (((await Deno.readTextFile(items)).endsWith("\n")) ? 0 : 1);

    const result = await command(out).output();
    assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
    const after = await lines(items);
    assert.equal(after.length, 1000);
    const ids = after.map((l) => JSON.parse(l).id);
    assert.equal(new Set(ids).size, 1000, "no item twice");
    // The finished items were kept as written, not redone.
    assert.deepEqual(after.slice(0, finished), before.slice(0, finished));
    const summary = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
    assert.equal(summary.resumed, finished);
    assert.equal(summary.items, 1000);
    assert.match(
      new TextDecoder().decode(result.stdout),
      new RegExp(`^1000 items \\(${finished} from an earlier run`),
    );

    // Run again: everything is done, nothing is redone.
    const again = await command(out).output();
    assert.equal(again.code, 0);
    assert.equal((await lines(items)).length, 1000);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("explain-corpus: bad usage exits 2 with one line", async () => {
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "apps/cli/explain_corpus.ts",
      "--input",
      CORPUS,
      "--out",
      "/tmp/x",
      "--model",
      MODEL,
      "--steps",
      "5",
    ],
    cwd: ROOT,
    stderr: "piped",
  }).output();
  assert.equal(result.code, 2);
  assert.equal(
    new TextDecoder().decode(result.stderr).trim(),
    "explain-corpus: No chosen method takes --steps (occlusion: window, replacement)",
  );
});
