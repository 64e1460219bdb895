/**
 * Local files for the Deno and Node entries: the widget playground and the widget's built bundles
 * from a checkout (`GET /` and `GET /widget/<file>`, from `packages/widget/playground.html` and
 * `packages/widget/dist/`; when the widget has not been built, `/` falls back to the API's landing
 * page and `/widget/*` answers 404), directory paths as URLs for the model loader, and model files
 * streamed from disk for `/models/*`.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";

/** A directory path (relative to the working directory or absolute) as a `file:` URL ending in `/`. */
export function directoryUrl(path: string): URL {
  return pathToFileURL(resolve(path) + "/");
}

/**
 * A `readStatic` function for {@link createApp} over a repository checkout.
 *
 * @param root The repository root, as a `file:` URL ending in `/`.
 */
export function widgetFiles(root: URL): (name: string) => Promise<Uint8Array | undefined> {
  return async (name) => {
    const url = name === "playground.html"
      ? new URL("packages/widget/playground.html", root)
      : name.startsWith("widget/")
      ? new URL(`packages/widget/dist/${name.slice(7)}`, root)
      : undefined;
    if (!url) return undefined;
    try {
      return new Uint8Array(await readFile(url));
    } catch {
      return undefined;
    }
  };
}

/**
 * A `modelFile` function for {@link createApp}: a local file as a streaming response, read a chunk
 * at a time as the client takes it; 404 when there is no such file. Other URLs are fetched.
 */
export async function openModelFile(url: URL): Promise<Response> {
  if (url.protocol !== "file:") return await fetch(url);
  const path = fileURLToPath(url);
  try {
    const info = await stat(path);
    if (!info.isFile()) return new Response(null, { status: 404 });
    const body = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
    return new Response(body, { headers: { "content-length": String(info.size) } });
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return new Response(null, { status: 404 });
    throw error;
  }
}
