/**
 * End-to-end tests of the distributed corpus run against a real `redis-server` (Debian's, started on a
 * free port): the producer (`explain-corpus --queue`), three `explain-worker` processes, one of them
 * SIGKILLed while it holds a chunk, and `--collect`. The merged summary must equal a single-machine
 * `explainCorpus` run on the same 2,000 items (same aggregates, every item exactly once, in the same
 * order), with the two items the model cannot take recorded with their errors. Then a worker whose
 * Redis goes away must exit with a clear message after its deadline. The model is the linear
 * bag-of-words toy with occlusion: the fastest real model and method, so the test measures the queue,
 * not the model. Skips with a notice when redis-server is absent (fails with GLASSBOX_REQUIRE_TOOLS=1).
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { loadModel } from "@glassbox/core";
import { explainCorpus } from "@glassbox/eval";
import { haveTool } from "./runtimes/harness.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const MODEL = `${ROOT}testdata/eval/bow-linear`;
const REDIS = "/usr/bin/redis-server";
const have = haveTool(REDIS, "the corpus queue test", "redis-server");

/** A redis-server of its own on a free port, without persistence. */
async function startRedis(): Promise<{ url: string; port: number; process: Deno.ChildProcess }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const process = new Deno.Command(REDIS, {
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return { url: `redis://127.0.0.1:${port}/0`, port, process };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`redis-server did not listen on port ${port}`);
}

function deno(script: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function finish(
  child: Deno.ChildProcess,
): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, out: decoder.decode(stdout), err: decoder.decode(stderr) };
}

/** 2,000 items: the toy corpus, its sentences reversed, an empty text and one too long. */
async function writeCorpus(path: string): Promise<void> {
  const base = (await Deno.readTextFile(`${ROOT}testdata/eval/corpus_1000.jsonl`)).trim().split(
    "\n",
  )
    .map((l) => JSON.parse(l) as { id: string; text: string });
  const items = [
    ...base,
    ...base.slice(0, 998).map((b) => ({
      id: `r${b.id}`,
      text: b.text.split(" ").reverse().join(" "),
    })),
    { id: "empty", text: "   " },
    { id: "long", text: "good ".repeat(100) },
  ];
  await Deno.writeTextFile(path, items.map((i) => JSON.stringify(i)).join("\n") + "\n");
}

/** Wall-clock values differ between any two runs; everything else must not. */
function untimed(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (k, v) => ["elapsedMs", "meanElapsedMs", "memory"].includes(k) ? 0 : v),
  );
}

Deno.test({
  name:
    "explain-corpus --queue: 2,000 items, 3 workers, one SIGKILLed mid-chunk, equals one machine",
  ignore: !have,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const started = performance.now();
    const lap = (what: string) =>
      console.log(`${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const dir = await Deno.makeTempDir({ prefix: "glassbox-queue-" });
    const redisServer = await startRedis();
    const redis = new Redis({ port: redisServer.port, host: "127.0.0.1", lazyConnect: true });
    await redis.connect();
    const workers: Deno.ChildProcess[] = [];
    try {
      const corpus = `${dir}/corpus.jsonl`;
      await writeCorpus(corpus);
      const queue = ["--queue", redisServer.url, "--job", "kill-test"];
      const settings = [
        "--model",
        MODEL,
        "--method",
        "occlusion",
        "--input",
        corpus,
        "--chunk-size",
        "20",
        "--stall-ms",
        "2000",
      ];
      const produced = await finish(
        deno("apps/cli/explain_corpus.ts", [...queue, ...settings, "--no-wait"]),
      );
      assert.equal(produced.code, 0, produced.err);
      assert.match(
        produced.err,
        /job kill-test at .*: 2000 items in 100 chunks \(100 queued now\)/,
      );
      lap("enqueued");

      for (let i = 0; i < 3; i++) workers.push(deno("apps/cli/explain_worker.ts", queue));
      const names = workers.map((w) => `${Deno.hostname()}-${w.pid}`);
      // Following the job is the producer run again: it must queue nothing twice.
      const follower = deno("apps/cli/explain_corpus.ts", [...queue, ...settings]);

      // Halfway, kill a worker that holds a chunk (its lock then runs out; BullMQ retries the chunk).
      // The worker is frozen first and killed only if the chunk is still its own and unfinished, so
      // the kill cannot land just after the chunk completed.
      let victim = -1;
      const { Queue } = await import("bullmq");
      const bull = new Queue("kill-test", {
        connection: { host: "127.0.0.1", port: redisServer.port },
        prefix: "glassbox:bull",
      });
      try {
        while (victim < 0) {
          const done = Number(await redis.get("glassbox:job:kill-test:doneItems") ?? 0);
          assert.ok(done < 2000, "the job ended before a worker could be killed halfway");
          const held = done >= 1000
            ? (await bull.getActive()).find((j) => names.includes(j.processedBy ?? ""))
            : undefined;
          if (held) {
            const i = names.indexOf(held.processedBy!);
            workers[i].kill("SIGSTOP");
            const chunk = Number(held.id!.slice("chunk-".length));
            const finished = await redis.getbit("glassbox:job:kill-test:done", chunk);
            if ((await bull.getJobState(held.id!)) === "active" && finished === 0) {
              workers[i].kill("SIGKILL");
              victim = i;
            } else workers[i].kill("SIGCONT");
          }
          if (victim < 0) await new Promise((r) => setTimeout(r, 20));
        }
        lap("worker killed");
      } finally {
        await bull.close();
      }
      const results = await Promise.all(workers.map(finish));
      lap("workers done");
      assert.equal(results[victim].code, 137, "SIGKILLed");
      const survivors = results.filter((_, i) => i !== victim);
      for (const r of survivors) {
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /^\d+ items in \d+ chunks; job kill-test has no chunk left\n$/);
      }
      assert.match(
        survivors.map((r) => r.err).join(""),
        /chunk chunk-\d+ was held by a worker that stopped; it goes back to the queue/,
      );
      const followed = await finish(follower);
      assert.equal(followed.code, 0, followed.err);
      assert.match(followed.err, /2000 items in 100 chunks \(0 queued now\)/);
      assert.match(followed.err, /\[#{24}\] 2000\/2000 100% [\d.]+ items\/s ETA 00:00:00 /);
      assert.match(followed.out, /^2000 of 2000 items done in job kill-test; merge with: /);

      const out = `${dir}/merged`;
      const collected = await finish(
        deno("apps/cli/explain_corpus.ts", [...queue, "--collect", "--out", out]),
      );
      lap("collected");
      assert.equal(collected.code, 0, collected.err);
      assert.equal(
        collected.out,
        `2000 items (2 not explainable, 0 without a result yet) in ${out}: items.jsonl, summary.json, report.html\n`,
      );

      // The reference: one machine, the same items and settings.
      const model = await loadModel(MODEL);
      let reference;
      try {
        reference = await explainCorpus({
          model,
          methods: ["occlusion"],
          params: { occlusion: {} },
          input: corpus,
          out: `${dir}/single`,
        });
      } finally {
        await model.release();
      }
      const merged = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
      lap("single-machine reference");
      const { resumed: _r, ...same } = untimed(reference) as Record<string, unknown>;
      const { resumed: _r2, ...mergedSame } = untimed(merged) as Record<string, unknown>;
      assert.equal(merged.items, 2000);
      assert.equal(merged.errors, 2);
      assert.equal(merged.complete, true);
      assert.deepEqual(mergedSame, same);
      // Every item once, in input order, with the same record as on one machine.
      const records = async (path: string) =>
        (await Deno.readTextFile(path)).trim().split("\n").map((l) => untimed(JSON.parse(l)));
      const mergedItems = await records(`${out}/items.jsonl`);
      const singleItems = await records(`${dir}/single/items.jsonl`);
      assert.equal(mergedItems.length, 2000);
      assert.equal(new Set(mergedItems.map((r) => (r as { id: string }).id)).size, 2000);
      assert.deepEqual(mergedItems, singleItems);
      const errors = mergedItems.filter((r) => (r as { error?: string }).error) as {
        id: string;
        error: string;
      }[];
      assert.deepEqual(errors.map((r) => [r.id, r.error]), [
        ["empty", "Text is empty: give at least one non-whitespace character"],
        [
          "long",
          `Text is 102 tokens long, but model ${MODEL} takes at most 64 tokens ` +
          `(special tokens included); shorten the text`,
        ],
      ]);

      // The other results store: one JSONL shard per worker in a directory.
      const shardJob = ["--queue", redisServer.url, "--job", "shards"];
      const shardRun = await finish(deno("apps/cli/explain_corpus.ts", [
        ...shardJob,
        ...settings,
        "--limit",
        "100",
        "--results",
        `${dir}/shards`,
        "--no-wait",
      ]));
      assert.equal(shardRun.code, 0, shardRun.err);
      const shardWorker = await finish(deno("apps/cli/explain_worker.ts", shardJob));
      assert.equal(shardWorker.code, 0, shardWorker.err);
      const shardOut = `${dir}/from-shards`;
      const shardCollect = await finish(
        deno("apps/cli/explain_corpus.ts", [...shardJob, "--collect", "--out", shardOut]),
      );
      assert.equal(shardCollect.code, 0, shardCollect.err);
      assert.equal((await Array.fromAsync(Deno.readDir(`${dir}/shards`))).length, 1);
      assert.deepEqual(await records(`${shardOut}/items.jsonl`), singleItems.slice(0, 100));
      lap("directory store");
    } finally {
      for (const w of workers) {
        try {
          w.kill("SIGKILL");
        } catch { /* already exited */ }
      }
      redis.disconnect();
      redisServer.process.kill("SIGKILL");
      await redisServer.process.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "explain-worker: survives Redis dropping its connections; exits with a clear message when Redis is gone",
  ignore: !have,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "glassbox-queue-" });
    const redisServer = await startRedis();
    const redis = new Redis({ port: redisServer.port, host: "127.0.0.1", lazyConnect: true });
    await redis.connect();
    try {
      const corpus = `${dir}/corpus.jsonl`;
      await writeCorpus(corpus);
      const queue = ["--queue", redisServer.url, "--job", "gone"];
      const produced = await finish(deno("apps/cli/explain_corpus.ts", [
        ...queue,
        "--model",
        MODEL,
        "--method",
        "occlusion",
        "--input",
        corpus,
        "--chunk-size",
        "20",
        "--no-wait",
      ]));
      assert.equal(produced.code, 0, produced.err);
      const worker = deno("apps/cli/explain_worker.ts", [...queue, "--redis-timeout", "2"]);
      const doneAtLeast = async (n: number) => {
        for (;;) {
          const done = Number(await redis.get("glassbox:job:gone:doneItems") ?? 0);
          if (done >= n) return done;
          assert.ok(done < 2000, "the worker finished before Redis went away");
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      // A blip: Redis drops every connection; the worker reconnects and goes on.
      const before = await doneAtLeast(1);
      await redis.client("KILL", "TYPE", "normal", "SKIPME", "yes");
      await doneAtLeast(before + 40);
      // Then Redis is gone for good.
      redis.disconnect();
      redisServer.process.kill("SIGKILL");
      await redisServer.process.status;
      const result = await finish(worker);
      assert.equal(result.code, 1, result.err);
      assert.match(
        result.err,
        new RegExp(
          `explain-worker: Redis at ${redisServer.url} has been unreachable for 2 s \\(.*\\); ` +
            `giving up\\n$`,
        ),
      );
    } finally {
      redis.disconnect();
      try {
        redisServer.process.kill("SIGKILL");
      } catch { /* already stopped */ }
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("explain-worker and explain-corpus --queue: bad usage exits 2 with what is allowed", async () => {
  const cases: [string, string[], string][] = [
    [
      "apps/cli/explain_worker.ts",
      ["--queue", "http://localhost:6379", "--job", "a"],
      'explain-worker: --queue must be a URL redis://[user:password@]HOST[:PORT][/DB], got "http://localhost:6379"\n',
    ],
    [
      "apps/cli/explain_worker.ts",
      ["--queue", "redis://localhost:6379/0", "--job", "a b"],
      'explain-worker: --job must be 1 to 100 letters, digits, ".", "_" or "-", got "a b"\n',
    ],
    [
      "apps/cli/explain_corpus.ts",
      ["--queue", "redis://localhost:1/0", "--job", "a", "--collect", "--out", "x", "--model", "m"],
      "explain-corpus: --collect takes the job's settings from Redis; --model does not go with it\n",
    ],
    [
      "apps/cli/explain_corpus.ts",
      ["--queue", "redis://localhost:1/0", "--job", "a", "--input", "x", "--format", "xml"],
      'explain-corpus: --format must be one of auto, jsonl, text, csv, dir, got "xml"\n',
    ],
  ];
  for (const [script, args, message] of cases) {
    const result = await finish(deno(script, args));
    assert.equal(result.err, message);
    assert.equal(result.code, 2);
  }
});
