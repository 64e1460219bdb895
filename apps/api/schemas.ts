/**
 * Request schemas (zod 4) and the OpenAPI 3.1 document generated from them with `z.toJSONSchema`.
 * The schemas check shapes and types; what only core knows (a method's options, a model's labels and
 * token limit) core checks, with messages that say what is allowed.
 *
 * @module
 */
import { z } from "zod";
import { AGGREGATIONS, MAX_TEXT_CHARS, OUTPUTS } from "@glassbox/core";
import { WIDTH_RANGE } from "@glassbox/render";
import { ERROR_CODES } from "./middleware/errors.ts";

/**
 * The picture widths the image routes draw: the renderer's least, and an upper bound of the API's
 * own that keeps one request's picture small.
 */
export const IMAGE_WIDTH: Readonly<{ min: number; max: number }> = Object.freeze({
  min: WIDTH_RANGE.min,
  max: 2000,
});

/** Method option values: numbers, strings or booleans (core checks names, types and bounds). */
const Params = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).meta({
  description: "Method options by name, as listed under each method in GET /v1/methods.",
});

const Text = z.string().meta({
  description: `The input text: 1 to ${MAX_TEXT_CHARS} UTF-16 code units, well-formed Unicode, ` +
    "at least one non-whitespace character, and no more tokens than the model's maxTokens.",
});

/** `POST /v1/predict` body. */
export const PredictBody = z.strictObject({
  text: Text,
  model: z.string().optional().meta({ description: "Model id (GET /v1/models); default first." }),
  topK: z.int().min(1).max(100).optional().meta({ description: "Predictions returned (5)." }),
});

/** `POST /v1/explain` and `POST /v1/explain/stream` body. */
export const ExplainBody = z.strictObject({
  text: Text,
  model: z.string().optional().meta({ description: "Model id (GET /v1/models); default first." }),
  method: z.string().optional().meta({ description: "Method id (GET /v1/methods), occlusion." }),
  target: z.string().min(1).optional().meta({
    description: "What to explain: a label (classifiers) or one token's text (causal LMs).",
  }),
  targetId: z.int().min(0).optional().meta({ description: "What to explain, by index or id." }),
  contrast: z.string().min(1).optional().meta({
    description: "Explain target rather than this label or token.",
  }),
  contrastId: z.int().min(0).optional(),
  output: z.enum(OUTPUTS as [string, ...string[]]).optional(),
  topK: z.int().min(1).max(100).optional(),
  aggregation: z.enum(AGGREGATIONS as [string, ...string[]]).optional(),
  params: Params.optional(),
  faithfulness: z.boolean().optional().meta({
    description:
      "Add diagnostics.faithfulness: comprehensiveness, sufficiency, deletion and insertion AUC.",
  }),
});

/** A parsed explain body. */
export type ExplainRequest = z.infer<typeof ExplainBody>;

/** Query parameters of the image routes, besides `params.NAME`. */
export const IMAGE_QUERY = Object.freeze({
  text: "The input text (required).",
  model: "Model id.",
  method: "Method id (occlusion).",
  target: "Target label or token text.",
  targetId: "Target index or token id.",
  contrast: "Contrast label or token text.",
  contrastId: "Contrast index or token id.",
  output: `One of ${OUTPUTS.join(", ")}.`,
  aggregation: `One of ${AGGREGATIONS.join(", ")}.`,
  words: "1 to draw one chip per word, 0 (default) per token.",
  width: `Picture width in px, ${IMAGE_WIDTH.min} to ${IMAGE_WIDTH.max} (800).`,
  scale: "PNG only: pixel scale, 1 to 4 (1).",
});

/**
 * Formats zod issues as one message and a details list.
 *
 * @returns `{message, issues}` where each issue names its path.
 */
export function describeIssues(
  error: z.ZodError,
): { message: string; issues: { path: string; message: string }[] } {
  const issues = error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join(".") : "(body)",
    message: issue.message,
  }));
  return {
    message: "Invalid request: " + issues.map((i) => `${i.path}: ${i.message}`).join("; "),
    issues,
  };
}

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message", "details"],
      properties: {
        code: { enum: Object.keys(ERROR_CODES) },
        message: { type: "string" },
        details: { type: "object" },
      },
    },
  },
};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input" }) as Record<
    string,
    unknown
  >;
  return rest;
}

function errors(...codes: (keyof typeof ERROR_CODES)[]): Record<string, unknown> {
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [String(status), {
      description: `Error codes: ${list.join(", ")}`,
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    }]),
  );
}

const COMMON = ["rate_limited", "internal"] as const;
const BODY_ERRORS = [
  "malformed_json",
  "malformed_body",
  "unknown_model",
  "body_too_large",
  "unsupported_media_type",
  "invalid_request",
  "invalid_input",
  "queue_full",
  "model_unavailable",
  "timeout",
  ...COMMON,
] as const;
const EXPLAIN_ERRORS = [
  ...BODY_ERRORS,
  "invalid_option",
  "unknown_method",
  "unsupported_model",
] as const;

/**
 * The OpenAPI 3.1 document.
 *
 * @param serverUrl Where the API is reachable, when known.
 */
export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  const json = (ref: string, description: string) => ({
    description,
    content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
  });
  const body = (ref: string) => ({
    required: true,
    content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
  });
  const imageParams = [
    ...Object.entries(IMAGE_QUERY).map(([name, description]) => ({
      name,
      in: "query",
      required: name === "text",
      description,
      schema: { type: "string" },
    })),
    {
      name: "params",
      in: "query",
      style: "deepObject",
      description: "Method options as params.NAME=value, e.g. params.window=2.",
      schema: { type: "object", additionalProperties: { type: "string" } },
    },
  ];
  const image = (type: string) => ({
    summary: `The explanation drawn as ${type === "image/svg+xml" ? "SVG" : "PNG"}`,
    parameters: imageParams,
    responses: {
      "200": { description: "The picture (ETag, Cache-Control)", content: { [type]: {} } },
      "304": { description: "Not modified (If-None-Match matched the ETag)" },
      ...errors("malformed_query", ...EXPLAIN_ERRORS),
    },
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "glassbox API",
      version: "1.0.0",
      description:
        "Explains why a transformer model made a prediction: token attributions as JSON, " +
        "server-sent progress events, SVG and PNG.",
    },
    servers: serverUrl ? [{ url: serverUrl }] : [],
    paths: {
      "/v1/models": {
        get: { summary: "The models served", responses: { "200": json("Models", "Models") } },
      },
      "/v1/methods": {
        get: {
          summary: "Methods, their options and defaults, outputs, aggregations and limits",
          responses: { "200": json("Methods", "Methods and limits") },
        },
      },
      "/v1/predict": {
        post: {
          summary: "The model's top-k predictions",
          requestBody: body("PredictRequest"),
          responses: { "200": json("Object", "core's PredictResult"), ...errors(...BODY_ERRORS) },
        },
      },
      "/v1/explain": {
        post: {
          summary: "Explain a prediction",
          requestBody: body("ExplainRequest"),
          responses: {
            "200": json("Object", "The Explanation JSON (schemaVersion 1)"),
            ...errors(...EXPLAIN_ERRORS),
          },
        },
      },
      "/v1/explain/stream": {
        post: {
          summary: "Explain with progress: server-sent events progress, then result or error",
          requestBody: body("ExplainRequest"),
          responses: {
            "200": {
              description: "event: progress (data {method, done, total}), then event: result " +
                "(data: Explanation) or event: error (data: the error shape)",
              content: { "text/event-stream": {} },
            },
            ...errors(...EXPLAIN_ERRORS),
          },
        },
      },
      "/v1/explain.svg": { get: image("image/svg+xml") },
      "/v1/explain.png": { get: image("image/png") },
      "/healthz": { get: { summary: "Liveness", responses: { "200": { description: "Alive" } } } },
      "/readyz": {
        get: {
          summary: "Readiness: 200 when every model is loaded",
          responses: { "200": { description: "Ready" }, ...errors("not_ready") },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics",
          responses: { "200": { description: "Text format 0.0.4", content: { "text/plain": {} } } },
        },
      },
    },
    components: {
      schemas: {
        PredictRequest: jsonSchema(PredictBody),
        ExplainRequest: jsonSchema(ExplainBody),
        Error: errorSchema,
        Object: { type: "object" },
        Models: { type: "object", properties: { models: { type: "array" } } },
        Methods: {
          type: "object",
          properties: {
            methods: { type: "array" },
            outputs: { type: "array" },
            aggregations: { type: "array" },
            limits: { type: "object" },
          },
        },
      },
    },
  };
}
