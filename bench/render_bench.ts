/**
 * Renderer benchmark: SVG and PNG times for a 64-token explanation after warm-up, in Deno and in
 * Node, printed as a table and written to bench/results/render.json.
 *
 *     npx deno run -A bench/render_bench.ts
 *
 * The file is runtime-agnostic (node: modules only). Run under Deno, it measures itself, then
 * bundles itself with esbuild into bench/.cache/ (`@glassbox/*` resolved as Deno does) and runs that
 * bundle with Node (Node 20 cannot run TypeScript), and writes both results. With GLASSBOX_BENCH_CHILD=1 it only prints its own
 * measurements as JSON (that is how the Node run reports back).
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { initRenderer, renderHtml, renderPng, renderSvg, renderText } from "@glassbox/render";
import { loadDefaultAssets } from "@glassbox/render/default_assets";
import { longText } from "../packages/render/testdata/fixtures.ts";

interface Timing {
  runtime: string;
  version: string;
  initMs: number;
  svgMeanMs: number;
  svgP50Ms: number;
  pngMeanMs: number;
  pngP50Ms: number;
  pngP95Ms: number;
  htmlMeanMs: number;
  textMeanMs: number;
  pngBytes: number;
  iterations: number;
}

const WARMUP = 5;
const ITERATIONS = 40;

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { mean: samples.reduce((a, b) => a + b, 0) / samples.length, p50: at(0.5), p95: at(0.95) };
}

async function time(fn: () => unknown | Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples;
}

function runtime(): { runtime: string; version: string } {
  const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno;
  return deno
    ? { runtime: "deno", version: deno.version.deno }
    : { runtime: "node", version: process.versions.node };
}

async function measure(): Promise<Timing> {
  const explanation = longText(64);
  const t0 = performance.now();
  // Explicit assets: a bundle cannot follow initRenderer's computed import of the default loader.
  await initRenderer(await loadDefaultAssets());
  const initMs = performance.now() - t0;
  const svg = stats(await time(() => renderSvg(explanation)));
  const png = stats(await time(() => renderPng(explanation)));
  const html = stats(await time(() => renderHtml(explanation)));
  const text = stats(await time(() => renderText(explanation, { color: true })));
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    ...runtime(),
    initMs: round(initMs),
    svgMeanMs: round(svg.mean),
    svgP50Ms: round(svg.p50),
    pngMeanMs: round(png.mean),
    pngP50Ms: round(png.p50),
    pngP95Ms: round(png.p95),
    htmlMeanMs: round(html.mean),
    textMeanMs: round(text.mean),
    pngBytes: (await renderPng(explanation)).length,
    iterations: ITERATIONS,
  };
}

async function main() {
  const own = await measure();
  if (process.env.GLASSBOX_BENCH_CHILD === "1") {
    console.log(JSON.stringify(own));
    return;
  }
  const results = [own];
  if (own.runtime === "deno") {
    const here = dirname(fileURLToPath(import.meta.url));
    const bundle = join(here, ".cache", "render_bench.mjs");
    await mkdir(dirname(bundle), { recursive: true });
    // Loaded here, not at the top: the Node bundle never builds, and leaves esbuild out.
    const esbuild = await import("esbuild");
    const { glassboxMembers } = await import("@glassbox/workspace");
    await esbuild.build({
      entryPoints: [fileURLToPath(import.meta.url)],
      bundle: true,
      platform: "node",
      format: "esm",
      logLevel: "warning",
      outfile: bundle,
      plugins: [glassboxMembers()],
      external: ["esbuild"],
    });
    await esbuild.stop();
    const out = execFileSync("node", [bundle], {
      env: { ...process.env, GLASSBOX_BENCH_CHILD: "1" },
      encoding: "utf8",
    });
    results.push(JSON.parse(out.trim().split("\n").pop()!));
  }
  console.log("64-token explanation, 800 px wide; mean / p50 / p95 in ms after warm-up");
  console.table(results.map((r) => ({
    runtime: `${r.runtime} ${r.version}`,
    "init ms": r.initMs,
    "svg mean": r.svgMeanMs,
    "png mean": r.pngMeanMs,
    "png p50": r.pngP50Ms,
    "png p95": r.pngP95Ms,
    "html mean": r.htmlMeanMs,
    "text mean": r.textMeanMs,
    "png bytes": r.pngBytes,
  })));
  const out = join(dirname(dirname(fileURLToPath(import.meta.url))), "bench/results/render.json");
  await mkdir(dirname(out), { recursive: true });
  const report = {
    benchmark: "render",
    date: new Date().toISOString(),
    input: "64-token explanation (packages/render/testdata/fixtures.ts longText(64)), width 800",
    warmup: WARMUP,
    // 1-minute load average when the run ended: other work on the 2 cores slows the PNG times.
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
    results,
  };
  await writeFile(out, JSON.stringify(report, null, 2) + "\n");
  console.log(`wrote ${out}`);
}

await main();
