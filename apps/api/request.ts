/**
 * Reading and checking what a request sends, before any work: the body's size while it arrives
 * (Hono's `bodyLimit`), its media type, encoding and JSON syntax; query strings, strictly; text that
 * core cannot give offsets for; and an explain request against the schema, the served models and the
 * method's options.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getMethod, type OptionSpec, validateOptions } from "@glassbox/core";
import { ApiError, toApiError } from "./middleware/errors.ts";
import type { ModelRegistry } from "./registry.ts";
import { describeIssues, ExplainBody, type ExplainRequest } from "./schemas.ts";

/**
 * Refuses bodies over `maxBytes` (413) by `Content-Length`, or while a chunked body arrives, before
 * the route reads it.
 */
export function jsonBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      const declared = c.req.header("content-length");
      throw new ApiError(
        "body_too_large",
        `The request body is ${
          declared ?? `more than ${maxBytes}`
        } bytes; the limit is ${maxBytes} bytes`,
        { maxBodyBytes: maxBytes },
      );
    },
  });
}

/** Checks the media type, encoding and JSON syntax of a request body (its size: {@link jsonBody}). */
export async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  const [essence, ...parameters] = type.split(";").map((s) => s.trim().toLowerCase());
  const charset = parameters.find((p) => p.startsWith("charset="))?.slice(8).replace(/"/g, "");
  if (essence !== "application/json" || (charset && charset !== "utf-8" && charset !== "utf8")) {
    throw new ApiError(
      "unsupported_media_type",
      `The body must be JSON with Content-Type: application/json (UTF-8), got ${
        type ? JSON.stringify(type) : "no Content-Type"
      }`,
      { accepted: ["application/json"] },
    );
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError("malformed_body", "The request body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(
      "malformed_json",
      `The request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/** Own entries of a parsed JSON object, `__proto__` included, so core sees every name sent. */
function ownParams(raw: unknown): Record<string, unknown> | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const params = (raw as Record<string, unknown>).params;
  if (params === null || typeof params !== "object" || Array.isArray(params)) return undefined;
  return Object.fromEntries(Object.entries(params));
}

/** Parses a query string strictly: bad percent-encoding or UTF-8 is a 400, repeats a 422. */
export function parseQuery(url: string): Map<string, string> {
  const search = new URL(url).search.slice(1);
  const out = new Map<string, string>();
  for (const part of search ? search.split("&") : []) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const [rawKey, rawValue] = eq < 0 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)];
    let key: string, value: string;
    try {
      key = decodeURIComponent(rawKey.replace(/\+/g, " "));
      value = decodeURIComponent(rawValue.replace(/\+/g, " "));
    } catch {
      throw new ApiError(
        "malformed_query",
        `The query parameter ${JSON.stringify(rawKey)} is not valid percent-encoded UTF-8`,
      );
    }
    if (out.has(key)) {
      throw new ApiError("invalid_request", `The query parameter "${key}" is given twice`);
    }
    out.set(key, value);
  }
  return out;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Rejects text core cannot give offsets for: lone surrogates are not Unicode. */
export function checkText(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      throw new ApiError(
        "invalid_input",
        `Text has a lone surrogate (U+${c.toString(16).toUpperCase()}) at index ${i}; ` +
          "send well-formed Unicode",
      );
    }
  }
}

/**
 * Converts a query value by the option's declared type, so core's messages about type and range
 * apply unchanged: "2" becomes 2, "NaN" becomes NaN (core: must be finite), "abc" stays a string
 * (core: must be a finite number, current value is "abc").
 */
export function fromQuery(spec: OptionSpec | undefined, value: string): unknown {
  if (!spec || spec.alsoAccepts?.includes(value)) return value;
  if (spec.type === "integer" || spec.type === "number") {
    const n = value.trim() === "" ? NaN : Number(value);
    return Number.isNaN(n) && value !== "NaN" ? value : n;
  }
  if (spec.type === "boolean") {
    if (value === "true" || value === "1") return true;
    if (value === "false" || value === "0") return false;
  }
  return value;
}

/** A request that passed validation: what to compute. */
export interface Prepared {
  modelId: string;
  body: ExplainRequest;
  params: Record<string, unknown>;
}

/**
 * Validates an explain request up to (not including) loading the model.
 *
 * @param raw The parsed JSON body or the query as an object.
 * @param queryParams Method options from a query string, which skip the schema: they may hold
 *   NaN or Infinity (JSON cannot), and core's messages about them are the ones to show.
 */
export function prepare(
  registry: ModelRegistry,
  raw: unknown,
  queryParams?: Record<string, unknown>,
): Prepared {
  const parsed = ExplainBody.safeParse(raw);
  if (!parsed.success) {
    const { message, issues } = describeIssues(parsed.error);
    throw new ApiError("invalid_request", message, { issues });
  }
  const body = parsed.data;
  checkText(body.text);
  const modelId = registry.resolve(body.model);
  try {
    const method = getMethod(body.method ?? "occlusion");
    const params = validateOptions(method, queryParams ?? ownParams(raw) ?? {});
    return { modelId, body, params };
  } catch (error) {
    throw toApiError(error, "validate");
  }
}
