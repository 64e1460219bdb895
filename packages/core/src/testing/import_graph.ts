/**
 * The runtime import graph of the workspace, as Deno itself resolves it: `deno info --json` over every
 * TypeScript file of the workspace, keeping the static imports and re-exports that load code (not
 * `import type`, not dynamic `import()`), between the workspace's own files. {@link findCycles} names
 * the cycles in it; a cycle means some module runs before one it needs has finished loading.
 *
 * @module
 */

/** Edges of a module graph: module to the modules it imports at run time. */
export type ImportGraph = Map<string, Set<string>>;

/** Folders that hold no workspace source (installed, generated or cached files). */
const SKIP = new Set(["node_modules", ".nx", ".cache", "dist", "tmp", "models", "build", ".git"]);

/** Every .ts and .tsx file under `root`, skipping installed and generated trees. */
async function sourceFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.startsWith(".") || SKIP.has(entry.name)) continue;
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) files.push(path);
    }
  };
  await walk(root);
  return files.sort();
}

interface InfoModule {
  specifier: string;
  dependencies?: {
    code?: { specifier: string };
    isDynamic?: boolean;
  }[];
}

/**
 * Reads the runtime import graph of the workspace at `root`.
 *
 * @param root The workspace folder (holding the root deno.json).
 * @returns Paths relative to `root`, each with the workspace files it imports at run time.
 * @throws Error when `deno info` fails.
 */
export async function workspaceImportGraph(root: string): Promise<ImportGraph> {
  const files = await sourceFiles(root);
  const entry = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    const lines = files.map((f) => `import ${JSON.stringify(new URL(`file://${f}`).href)};`);
    await Deno.writeTextFile(entry, lines.join("\n") + "\n");
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", `${root}/deno.json`, entry],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(`deno info failed: ${new TextDecoder().decode(output.stderr)}`);
    }
    const info = JSON.parse(new TextDecoder().decode(output.stdout)) as { modules: InfoModule[] };
    const prefix = new URL(`file://${root}/`).href;
    const local = (specifier: string) =>
      specifier.startsWith(prefix) ? decodeURIComponent(specifier.slice(prefix.length)) : undefined;
    const graph: ImportGraph = new Map();
    for (const module of info.modules) {
      const from = local(module.specifier);
      if (!from) continue;
      const to = new Set<string>();
      for (const dependency of module.dependencies ?? []) {
        const target = dependency.code && !dependency.isDynamic
          ? local(dependency.code.specifier)
          : undefined;
        if (target) to.add(target);
      }
      graph.set(from, to);
    }
    return graph;
  } finally {
    await Deno.remove(entry);
  }
}

/**
 * The import cycles of a graph: one per strongly connected component of more than one module (or a
 * module importing itself), each written as a closed path `a -> b -> a` starting at its first module
 * in sort order.
 *
 * @param graph Module edges.
 * @returns The cycles, sorted.
 */
export function findCycles(graph: ImportGraph): string[][] {
  // Tarjan's strongly connected components, iteratively (no recursion limit on deep graphs).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const next = (m: string) => [...(graph.get(m) ?? [])].sort();
  for (const start of [...graph.keys()].sort()) {
    if (index.has(start)) continue;
    const work: { module: string; edges: string[]; at: number }[] = [];
    const open = (m: string) => {
      index.set(m, counter);
      low.set(m, counter++);
      stack.push(m);
      onStack.add(m);
      work.push({ module: m, edges: next(m), at: 0 });
    };
    open(start);
    while (work.length) {
      const frame = work[work.length - 1];
      if (frame.at < frame.edges.length) {
        const to = frame.edges[frame.at++];
        if (!index.has(to)) open(to);
        else if (onStack.has(to)) {
          low.set(frame.module, Math.min(low.get(frame.module)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].module;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.module)!));
      }
      if (low.get(frame.module) === index.get(frame.module)) {
        const component: string[] = [];
        let m: string;
        do {
          m = stack.pop()!;
          onStack.delete(m);
          component.push(m);
        } while (m !== frame.module);
        const selfLoop = graph.get(frame.module)?.has(frame.module) ?? false;
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components.map((component) => closedPath(graph, new Set(component))).sort((a, b) =>
    a.join().localeCompare(b.join())
  );
}

/** A shortest closed path through the component's first module, by breadth-first search. */
function closedPath(graph: ImportGraph, component: Set<string>): string[] {
  const start = [...component].sort()[0];
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const m = queue.shift()!;
    for (const to of [...(graph.get(m) ?? [])].sort()) {
      if (!component.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let at = m; at !== start; at = parent.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!parent.has(to)) {
        parent.set(to, m);
        queue.push(to);
      }
    }
  }
  return [start, start];
}
