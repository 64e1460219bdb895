/**
 * The two HTML pages the API serves itself: a landing page at `/` (used when no widget playground
 * is available) and the docs page at `/docs`, generated from the same limits, methods and error
 * codes the API enforces so it cannot drift from them. No scripts, no external resources.
 *
 * @module
 */
import type { MethodSpec } from "@glassbox/core";
import { ERROR_CODES } from "./middleware/errors.ts";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE =
  `body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a;line-height:1.5}code,pre{font-family:ui-monospace,monospace;font-size:.9em}
pre{background:#f4f4f4;padding:.75rem;overflow-x:auto}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}a{color:#1f5fa8}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** The landing page. */
export function landingPage(): string {
  return page(
    "glassbox API",
    `<h1>glassbox API</h1><p>Explains why a transformer model made a prediction.</p>
<ul><li><a href="/docs">API docs</a></li><li><a href="/openapi.json">OpenAPI document</a></li>
<li><a href="/v1/models">Models</a> and <a href="/v1/methods">methods</a></li>
<li><a href="/v1/explain.svg?text=What%20a%20wonderful%20day">An explanation as SVG</a></li></ul>`,
  );
}

/** What the docs page shows. */
export interface DocsInput {
  methods: readonly MethodSpec[];
  limits: Record<string, unknown>;
}

/** The docs page. */
export function docsPage({ methods, limits }: DocsInput): string {
  const rows = (pairs: [string, string][]) =>
    pairs.map(([a, b]) => `<tr><td><code>${escapeHtml(a)}</code></td><td>${b}</td></tr>`).join("");
  const methodRows = methods.map((m) => {
    const options = m.options.map((o) =>
      `${escapeHtml(o.name)} (${o.type}, default ${
        o.default === undefined ? "none" : escapeHtml(JSON.stringify(o.default))
      }` +
      `${o.min !== undefined ? `, min ${o.min}` : ""}${
        o.max !== undefined ? `, max ${o.max}` : ""
      }` +
      `${o.values ? `, one of ${escapeHtml(o.values.join(" | "))}` : ""})`
    ).join("<br>") || "none";
    return [m.id, `${escapeHtml(m.description)}<br>${options}`] as [string, string];
  });
  const codes = Object.entries(ERROR_CODES).map(([code, status]) =>
    [code, String(status)] as [string, string]
  );
  return page(
    "glassbox API docs",
    `<h1>glassbox API</h1>
<p>JSON in, JSON out (<code>Content-Type: application/json</code>). The machine-readable contract is
<a href="/openapi.json">/openapi.json</a>.</p>
<h2>Routes</h2><table>${
      rows([
        ["GET /v1/models", "Models served: id, task, architecture, labels, maxTokens, default."],
        ["GET /v1/methods", "Methods with options and defaults, outputs, aggregations, limits."],
        ["POST /v1/predict", "<code>{text, model?, topK?}</code>: top-k predictions."],
        [
          "POST /v1/explain",
          "<code>{text, model?, method?, target?, targetId?, contrast?, contrastId?, output?, " +
          "topK?, aggregation?, params?}</code>: the Explanation JSON.",
        ],
        [
          "POST /v1/explain/stream",
          "Same body; server-sent events <code>progress</code>, then <code>result</code> or " +
          "<code>error</code>. Closing the connection cancels the work.",
        ],
        [
          "GET /v1/explain.svg, .png",
          "Query <code>text, model, method, target, targetId, contrast, contrastId, output, " +
          "aggregation, words, width, scale, params.NAME</code>; ETag, Cache-Control, 304.",
        ],
        ["GET /healthz, /readyz", "Liveness; readiness (503 until every model is loaded)."],
        ["GET /metrics", "Prometheus text."],
      ])
    }</table>
<h2>Example</h2><pre>curl -s localhost:8787/v1/explain -H 'content-type: application/json' \\
  -d '{"text": "What a wonderful day", "method": "occlusion"}'</pre>
<h2>Limits</h2><pre>${escapeHtml(JSON.stringify(limits, null, 2))}</pre>
<h2>Methods</h2><table>${rows(methodRows)}</table>
<h2>Errors</h2><p>Every error is <code>{"error": {"code", "message", "details"}}</code>. 429 and some
503 answers carry <code>Retry-After</code>; 405 carries <code>Allow</code>.</p><table>${
      rows(codes)
    }</table>`,
  );
}
