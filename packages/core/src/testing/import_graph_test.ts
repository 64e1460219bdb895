import assert from "node:assert/strict";
import { findCycles, type ImportGraph, workspaceImportGraph } from "./import_graph.ts";

const root = decodeURIComponent(new URL("../../../../", import.meta.url).pathname).replace(
  /\/$/,
  "",
);

function graphOf(edges: Record<string, string[]>): ImportGraph {
  return new Map(Object.entries(edges).map(([from, to]) => [from, new Set(to)]));
}

Deno.test("findCycles names each cycle as a closed path and ignores acyclic imports", () => {
  const graph = graphOf({
    "forward.ts": ["position_head.ts", "errors.ts"],
    "position_head.ts": ["taps.ts"],
    "taps.ts": ["forward.ts", "errors.ts"],
    "errors.ts": [],
    "a.ts": ["a.ts"],
    "b.ts": ["c.ts"],
    "c.ts": ["errors.ts"],
  });
  assert.deepEqual(findCycles(graph), [
    ["a.ts", "a.ts"],
    ["forward.ts", "position_head.ts", "taps.ts", "forward.ts"],
  ]);
  assert.deepEqual(findCycles(graphOf({ "x.ts": ["y.ts"], "y.ts": [] })), []);
});

Deno.test("the workspace has no runtime import cycle", async () => {
  const graph = await workspaceImportGraph(root);
  // The graph is the real one: core's entry reaches its modules, and `import type` is not an edge.
  assert.ok(graph.get("packages/core/mod.ts")?.has("packages/core/src/feeds.ts"));
  assert.ok(graph.get("packages/core/src/forward.ts")?.has("packages/core/src/feeds.ts"));
  assert.equal(graph.get("packages/core/src/forward.ts")?.has("packages/core/src/model.ts"), false);
  assert.ok(graph.size > 100, `${graph.size} modules`);
  const cycles = findCycles(graph).map((c) => c.join(" -> "));
  assert.deepEqual(cycles, [], `runtime import cycles:\n${cycles.join("\n")}`);
});
