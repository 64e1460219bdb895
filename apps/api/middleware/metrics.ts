/**
 * A small Prometheus registry for the API: request counts by route and status, a latency histogram
 * by route, errors by code, cancellations, and gauges read at scrape time (queue depth, running
 * computations, models loaded). Text exposition format 0.0.4, no dependencies, so the same code runs
 * in Deno, Node and workerd. The middleware times every request and files it under its route
 * pattern (`/models/:model/*`, not the path asked for), or `unmatched`, and counts the error code
 * of the final answer.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { ErrorVariables } from "./errors.ts";

/** Latency histogram bucket bounds, in seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(pairs: Record<string, string>): string {
  const parts = Object.entries(pairs).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** The API's metrics. */
export class Metrics {
  #requests = new Map<string, { route: string; status: string; n: number }>();
  #errors = new Map<string, number>();
  #latency = new Map<string, { counts: number[]; sum: number; n: number }>();
  #cancelled = 0;

  /**
   * @param gauges Read at scrape time: name -> [help, value].
   */
  constructor(readonly gauges: () => Record<string, [string, number]> = () => ({})) {}

  /** Records a finished request. */
  observe(route: string, status: number, seconds: number): void {
    const key = `${route}\u0000${status}`;
    const entry = this.#requests.get(key) ?? { route, status: String(status), n: 0 };
    entry.n++;
    this.#requests.set(key, entry);
    const h = this.#latency.get(route) ??
      { counts: new Array(LATENCY_BUCKETS.length).fill(0), sum: 0, n: 0 };
    LATENCY_BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) h.counts[i]++;
    });
    h.sum += seconds;
    h.n++;
    this.#latency.set(route, h);
  }

  /** Records an error response by its code. */
  error(code: string): void {
    this.#errors.set(code, (this.#errors.get(code) ?? 0) + 1);
  }

  /** Records a computation cancelled because its client went away. */
  cancelled(): void {
    this.#cancelled++;
  }

  /** The Prometheus text exposition. */
  render(): string {
    const out: string[] = [];
    out.push("# HELP glassbox_http_requests_total HTTP requests by route and status.");
    out.push("# TYPE glassbox_http_requests_total counter");
    for (const { route, status, n } of this.#requests.values()) {
      out.push(`glassbox_http_requests_total${labels({ route, status })} ${n}`);
    }
    out.push("# HELP glassbox_http_request_duration_seconds Request latency by route.");
    out.push("# TYPE glassbox_http_request_duration_seconds histogram");
    for (const [route, h] of this.#latency) {
      LATENCY_BUCKETS.forEach((bound, i) => {
        out.push(
          `glassbox_http_request_duration_seconds_bucket${labels({ route, le: String(bound) })} ${
            h.counts[i]
          }`,
        );
      });
      out.push(
        `glassbox_http_request_duration_seconds_bucket${labels({ route, le: "+Inf" })} ${h.n}`,
      );
      out.push(`glassbox_http_request_duration_seconds_sum${labels({ route })} ${h.sum}`);
      out.push(`glassbox_http_request_duration_seconds_count${labels({ route })} ${h.n}`);
    }
    out.push("# HELP glassbox_errors_total Error responses by error code.");
    out.push("# TYPE glassbox_errors_total counter");
    for (const [code, n] of this.#errors) out.push(`glassbox_errors_total${labels({ code })} ${n}`);
    out.push(
      "# HELP glassbox_cancelled_total Computations cancelled because the client disconnected.",
    );
    out.push("# TYPE glassbox_cancelled_total counter");
    out.push(`glassbox_cancelled_total ${this.#cancelled}`);
    for (const [name, [help, value]] of Object.entries(this.gauges())) {
      out.push(`# HELP ${name} ${help}`);
      out.push(`# TYPE ${name} gauge`);
      out.push(`${name} ${value}`);
    }
    return out.join("\n") + "\n";
  }
}

/**
 * The middleware: records each request's route, status and latency.
 *
 * @param now The clock, in ms.
 */
export function observe(metrics: Metrics, now: () => number): MiddlewareHandler {
  return async (c, next) => {
    const started = now();
    await next();
    const route = c.req.routePath && c.req.routePath !== "*" && c.res.status !== 404
      ? c.req.routePath
      : "unmatched";
    metrics.observe(route, c.res.status, (now() - started) / 1000);
    const code = (c as Context<{ Variables: ErrorVariables }>).get("errorCode");
    if (code) metrics.error(code);
  };
}
