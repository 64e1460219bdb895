/**
 * The remote backend: talks to the glassbox HTTP API (`apps/api`). Methods come from
 * `GET /v1/methods`; explanations from `POST /v1/explain/stream`, read as server-sent events so long
 * methods report progress, and cancelled by aborting the request (the server stops computing).
 * `EventSource` cannot POST, so the stream is parsed here from `fetch`.
 *
 * @module
 */
import type { Explanation } from "@glassbox/core";
import {
  type Backend,
  type ExplainRequest,
  type MethodInfo,
  type Progress,
  WidgetError,
} from "./backend.ts";

/** Turns an API error response (`{"error": {"code", "message"}}`) into a WidgetError. */
async function failure(response: Response): Promise<WidgetError> {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text);
    if (error?.message) return new WidgetError(String(error.message), String(error.code));
  } catch {
    // Not the API's error shape (a proxy's HTML page, say): fall back to the status line.
  }
  return new WidgetError(`The API answered HTTP ${response.status} ${response.statusText}`.trim());
}

/** Splits a server-sent event stream into `{event, data}` records. */
export async function* readEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "message";
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer[newline] === "\r" ? 2 : 1));
      if (line === "") {
        if (data.length) yield { event, data: data.join("\n") };
        event = "message";
        data = [];
      } else if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
  }
  if (data.length) yield { event, data: data.join("\n") };
}

/**
 * Creates a backend for the API at `api` (a base URL; empty means the page's own origin).
 *
 * @param api Base URL of the API, e.g. `https://glassbox.example.org`.
 * @returns A {@link Backend} that calls the API.
 */
export function remoteBackend(api: string): Backend {
  const base = api.replace(/\/+$/, "");
  async function call(path: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(base + path, init);
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw new WidgetError(`Cannot reach the glassbox API at ${base || "this site"}`, "network");
    }
    if (!response.ok) throw await failure(response);
    return response;
  }
  return {
    async methods(signal) {
      const response = await call("/v1/methods", { signal });
      return (await response.json()).methods as MethodInfo[];
    },
    async explain(request: ExplainRequest, signal, onProgress: (p: Progress) => void) {
      const response = await call("/v1/explain/stream", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify(request),
        signal,
      });
      for await (const { event, data } of readEvents(response.body!)) {
        const payload = JSON.parse(data);
        if (event === "progress") onProgress(payload);
        else if (event === "result") return payload as Explanation;
        else if (event === "error") {
          throw new WidgetError(payload.error?.message ?? data, payload.error?.code);
        }
      }
      throw new WidgetError("The API closed the stream before sending a result", "stream");
    },
  };
}
