/**
 * Reading the files of a model from a local directory or an http(s) URL base, in Deno, Node and
 * browsers. All runtime detection lives here; callers can pass their own `fetch` (tests, workers with
 * bindings) and everything else goes through it.
 *
 * @module
 */
import { ModelLoadError } from "./errors.ts";

/** How files are read. */
export interface ResourceOptions {
  /** Used for http(s) URLs (default: the global fetch). */
  fetch?: typeof fetch;
  /** Abort a download. */
  signal?: AbortSignal;
}

/** A model location: a URL (`file:`, `http:`, `https:`) ending in a slash. */
export type Base = URL;

/** Turns a directory path, `file:` URL or http(s) URL base into a URL that ends in `/`. */
export function toBase(source: string | URL): Base {
  if (source instanceof URL) {
    return new URL(source.href.endsWith("/") ? source.href : source.href + "/");
  }
  const text = source.endsWith("/") ? source : source + "/";
  if (/^(https?|file):\/\//i.test(text)) return new URL(text);
  const cwd = currentDirectory();
  if (cwd === undefined) return new URL(text, globalThis.location?.href);
  return new URL(
    encodeURI(text.startsWith("/") ? text : `${cwd}/${text}`).replace(/#/g, "%23"),
    "file://",
  );
}

function currentDirectory(): string | undefined {
  const g = globalThis as {
    Deno?: { cwd(): string };
    process?: { cwd(): string; versions?: { node?: string } };
  };
  if (g.Deno) return g.Deno.cwd();
  if (g.process?.versions?.node) return g.process.cwd();
  return undefined;
}

async function readLocal(url: URL): Promise<Uint8Array> {
  const g = globalThis as { Deno?: { readFile(u: URL): Promise<Uint8Array> } };
  if (g.Deno) return await g.Deno.readFile(url);
  const fs = await import("node:fs/promises");
  return new Uint8Array(await fs.readFile(url));
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: string; name?: string };
  return e?.name === "NotFound" || e?.code === "ENOENT" || e?.code === "ENOTDIR";
}

/**
 * Reads `path` under `base`. Returns `undefined` for a missing optional file.
 *
 * @throws ModelLoadError naming the file when it is missing (and required) or cannot be read.
 */
export async function readResource(
  base: Base,
  path: string,
  options: ResourceOptions & { optional?: boolean } = {},
): Promise<Uint8Array | undefined> {
  const url = new URL(path, base);
  const shown = base.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
  if (url.protocol === "file:") {
    try {
      return await readLocal(url);
    } catch (error) {
      if (isNotFound(error)) {
        if (options.optional) return undefined;
        throw new ModelLoadError(shown, "file not found");
      }
      throw new ModelLoadError(shown, (error as Error).message, { cause: error });
    }
  }
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: options.signal });
  } catch (error) {
    throw new ModelLoadError(shown, `request failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (response.status === 404 || response.status === 410) {
    await response.body?.cancel();
    if (options.optional) return undefined;
    throw new ModelLoadError(shown, `file not found (HTTP ${response.status})`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ModelLoadError(shown, `HTTP ${response.status} ${response.statusText}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Lists the entries of a local directory (a `file:` URL).
 *
 * @returns The names, or `undefined` when the directory does not exist.
 */
export async function listDirectory(url: URL): Promise<string[] | undefined> {
  const g = globalThis as {
    Deno?: { readDir(u: URL): AsyncIterable<{ name: string }> };
  };
  try {
    if (g.Deno) {
      const names: string[] = [];
      for await (const entry of g.Deno.readDir(url)) names.push(entry.name);
      return names;
    }
    const fs = await import("node:fs/promises");
    return await fs.readdir(url);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Reads and parses a JSON file, naming the file if it is not valid JSON. */
export async function readJson<T>(
  base: Base,
  path: string,
  options: ResourceOptions & { optional?: boolean } = {},
): Promise<T | undefined> {
  const bytes = await readResource(base, path, options);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (error) {
    const url = new URL(path, base);
    const shown = base.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
    throw new ModelLoadError(shown, `not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
}
