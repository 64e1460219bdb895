/**
 * The computing routes: `GET /v1/methods`, `POST /v1/predict`, `POST /v1/explain` and
 * `POST /v1/explain/stream` (server-sent `progress` events, then `result` or `error`). Each request
 * is rate-limited, its body size-checked while it arrives, parsed and validated in full, and only
 * then computed in a slot of the shared limiter under the request's deadline.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import {
  type Aggregation,
  AGGREGATIONS,
  explain,
  type Explanation,
  METHODS,
  type OutputKind,
  OUTPUTS,
  predict,
} from "@glassbox/core";
import { withFaithfulness } from "@glassbox/eval/faithfulness";
import { ApiError, toApiError } from "../middleware/errors.ts";
import { compute } from "../middleware/queue.ts";
import { rateLimit } from "../middleware/rate_limit.ts";
import type { DeadlineVariables } from "../middleware/timeout.ts";
import { checkText, jsonBody, prepare, type Prepared, readJson } from "../request.ts";
import { describeIssues, PredictBody } from "../schemas.ts";
import type { ApiState } from "../state.ts";

type Env = { Variables: DeadlineVariables };

/**
 * Computes the explanation of a validated request (with faithfulness diagnostics when asked), in a
 * computation slot.
 */
export function runExplain(
  c: Context<Env>,
  state: ApiState,
  { modelId, body, params }: Prepared,
  extra: { cancel?: AbortSignal; onProgress?: (p: unknown) => void } = {},
): Promise<Explanation> {
  return compute(c, state, modelId, async (model, signal) => {
    const explanation = await explain(model, body.text, {
      method: body.method,
      target: body.target,
      targetId: body.targetId,
      contrast: body.contrast,
      contrastId: body.contrastId,
      output: body.output as OutputKind | undefined,
      topK: body.topK,
      aggregation: body.aggregation as Aggregation | undefined,
      params,
      signal,
      onProgress: extra.onProgress,
    });
    return body.faithfulness ? await withFaithfulness(model, explanation, { signal }) : explanation;
  }, extra.cancel);
}

/** The computing routes. */
export function explainRoutes(state: ApiState): Hono<Env> {
  const app = new Hono<Env>();
  const limited = rateLimit(state.rateLimiter, (c) => state.options.clientKey?.(c));
  const body = jsonBody(state.limits.maxBodyBytes);

  app.get("/v1/methods", async (c) =>
    c.json({
      methods: METHODS.map((m) => ({
        id: m.id,
        kind: m.kind,
        description: m.description,
        ...(m.paper ? { paper: m.paper } : {}),
        options: m.options,
        needs: m.needs,
      })),
      outputs: OUTPUTS,
      aggregations: AGGREGATIONS,
      limits: await state.limitsDocument(c),
    }));

  app.post("/v1/predict", limited, body, async (c) => {
    const raw = await readJson(c);
    const parsed = PredictBody.safeParse(raw);
    if (!parsed.success) {
      const { message, issues } = describeIssues(parsed.error);
      throw new ApiError("invalid_request", message, { issues });
    }
    const { text, model, topK } = parsed.data;
    checkText(text);
    const modelId = state.registry.resolve(model);
    return c.json(
      await compute(c, state, modelId, (m, signal) => predict(m, text, { topK, signal })),
    );
  });

  app.post("/v1/explain", limited, body, async (c) => {
    const prepared = prepare(state.registry, await readJson(c));
    return c.json(await runExplain(c, state, prepared));
  });

  app.post("/v1/explain/stream", limited, body, async (c) => {
    const prepared = prepare(state.registry, await readJson(c));
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, async (stream) => {
      const cancel = new AbortController();
      stream.onAbort(() => cancel.abort());
      const send = (event: string, data: unknown) =>
        stream.aborted ? undefined : stream.writeSSE({ event, data: JSON.stringify(data) });
      try {
        const explanation = await runExplain(c, state, prepared, {
          cancel: cancel.signal,
          onProgress: (p) => void send("progress", p),
        });
        await send("result", explanation);
      } catch (error) {
        if (cancel.signal.aborted) return;
        const mapped = toApiError(error, "compute");
        if (mapped.code === "internal") state.log(`Internal error in ${c.req.path}`, error);
        state.metrics.error(mapped.code);
        await send("error", mapped.toBody());
      }
    });
  });
  return app;
}
