/**
 * The API's one error shape, `{"error": {"code", "message", "details"}}`, the mapping from glassbox
 * core's errors to HTTP statuses, and the handlers that answer with it: `app.onError`, `app.notFound`
 * and the `onMethodNotAllowed` of Hono's `methodNotAllowed`. Every refusal the API makes goes through
 * {@link ApiError}, so a client can switch on `error.code` and read `error.message` to a person.
 *
 * @module
 */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import {
  AbortError,
  InputError,
  ModelLoadError,
  UnknownMethodError,
  UnsupportedOpError,
} from "@glassbox/core";

/** Every error code the API answers with, and its HTTP status. */
export const ERROR_CODES = Object.freeze(
  {
    malformed_json: 400,
    malformed_body: 400,
    malformed_query: 400,
    /** The Discord interactions endpoint: a missing, stale or wrong Ed25519 signature. */
    invalid_signature: 401,
    not_found: 404,
    unknown_model: 404,
    method_not_allowed: 405,
    /** The request body did not arrive within the request's time limit. */
    request_timeout: 408,
    body_too_large: 413,
    unsupported_media_type: 415,
    invalid_request: 422,
    invalid_input: 422,
    invalid_option: 422,
    unknown_method: 422,
    unsupported_model: 422,
    rate_limited: 429,
    queue_full: 429,
    model_unavailable: 503,
    not_ready: 503,
    timeout: 504,
    internal: 500,
    /** The client disconnected before the answer (as nginx logs it): seen only in /metrics. */
    client_closed: 499,
  } as const,
);

/**
 * A served model that cannot be loaded, told by its id and the kind of failure only: the file's name
 * inside the model and the reason with any path or URL cut out. The server log has the full error.
 */
export class ModelUnavailableError extends ModelLoadError {
  override name = "ModelUnavailableError";
  constructor(readonly modelId: string, cause: unknown) {
    const detail = cause instanceof ModelLoadError
      ? `${withinModel(cause.file)}: ${withoutPaths(cause.reason)}`
      : "the loader failed; the server log has the details";
    super(modelId, detail, { cause });
    this.message = `Model "${modelId}" cannot be loaded: ${detail}`;
  }
}

/** A model file's name inside the model directory (`config.json`, `onnx/model.onnx`). */
function withinModel(file: string): string {
  return file.match(/(?:onnx\/)?[^/]+$/)?.[0] ?? "(unknown file)";
}

/** Cuts absolute paths and URLs out of a message. */
function withoutPaths(text: string): string {
  return text.replace(/[a-z][\w+.-]*:\/\/[^\s'")]+|(?<![\w.-])\/[^\s'")]+/gi, "(path)");
}

/** An API error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: Record<string, unknown> };
}

/** A refusal with its code, a message for people, details for programs and extra headers. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code];
  }

  /** The JSON body. */
  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/**
 * Maps an error thrown while handling a request to an {@link ApiError}.
 *
 * @param error What was thrown.
 * @param phase `validate` while options are checked before any work (built-in TypeError and
 *   RangeError there are bad options, 422); `compute` afterwards, where they are bugs (500).
 */
export function toApiError(error: unknown, phase: "validate" | "compute"): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof UnknownMethodError) {
    return new ApiError("unknown_method", error.message, { known: error.known });
  }
  if (error instanceof InputError) return new ApiError("invalid_input", error.message);
  if (error instanceof UnsupportedOpError) {
    return new ApiError("unsupported_model", error.message, {
      op: error.opType,
      node: error.node,
    });
  }
  if (error instanceof ModelUnavailableError) {
    return new ApiError("model_unavailable", error.message, { model: error.modelId }, {
      "Retry-After": "30",
    });
  }
  if (error instanceof AbortError) {
    return new ApiError("timeout", "The request took longer than the server's time limit");
  }
  if (phase === "validate" && (error instanceof TypeError || error instanceof RangeError)) {
    return new ApiError("invalid_option", error.message);
  }
  return new ApiError("internal", "Internal error; the server log has the details");
}

/** What {@link fail} sets on the context: the metrics middleware counts the final answer's code. */
export interface ErrorVariables {
  errorCode?: ErrorCode;
}

/** Answers with an error: its status, headers and JSON body; notes its code for the metrics. */
export function fail(c: Context, error: ApiError): Response {
  (c as Context<{ Variables: ErrorVariables }>).set("errorCode", error.code);
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(error.toBody(), error.status as 400);
}

/**
 * The app's error handler: maps what was thrown and logs the ones that are the server's fault.
 *
 * @param log Where internal errors go, with the request line.
 */
export function onError(log: (message: string, error: unknown) => void): ErrorHandler {
  return (error, c) => {
    const mapped = toApiError(error, "compute");
    if (mapped.code === "internal") log(`Internal error on ${c.req.method} ${c.req.path}`, error);
    return fail(c, mapped);
  };
}

/** 404 for a path no route serves, listing the routes. */
export function notFound(routes: () => string[]): NotFoundHandler {
  return (c) =>
    fail(
      c,
      new ApiError("not_found", `No route ${c.req.method} ${c.req.path}; see /docs`, {
        routes: routes(),
      }),
    );
}

/** 405 with `Allow`, for Hono's `methodNotAllowed` middleware. */
export function methodNotAllowed(c: Context, methods: string[]): Response {
  const allow = methods.filter((m) => m !== "HEAD");
  return fail(
    c,
    new ApiError(
      "method_not_allowed",
      `${c.req.method} is not allowed on ${c.req.path}; use ${allow.join(" or ")}`,
      { allow },
      { Allow: [...methods, "OPTIONS"].join(", ") },
    ),
  );
}
