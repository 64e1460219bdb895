/**
 * The served models: `GET /v1/models` lists them (and those that failed to load, by id and kind of
 * failure), and `GET /models/:model/*` serves their own files for the widget's on-device mode. Only
 * the Hugging Face layout's files are served, read from where the model was loaded; clients name a
 * model by id, never a path. Downloads are rate-limited, a few stream at once (more get 429), and
 * each file streams from its source a chunk at a time instead of being read whole.
 *
 * @module
 */
import { Hono } from "hono";
import { ApiError } from "../middleware/errors.ts";
import { slot } from "../middleware/queue.ts";
import { rateLimit } from "../middleware/rate_limit.ts";
import type { ApiState } from "../state.ts";
import { contentType } from "./static.ts";

/** The files of a model the API serves at /models/ID/. */
const MODEL_FILE =
  /^(config\.json|tokenizer\.json|tokenizer_config\.json|onnx\/[\w-]+\.onnx(\.data|_data)?)$/;
const MODEL_FILES = "config.json, tokenizer.json, tokenizer_config.json, onnx/*.onnx";

/** The model routes. */
export function modelRoutes(state: ApiState): Hono {
  const app = new Hono();
  const { registry } = state;
  const modelFile = state.options.modelFile ?? ((url: URL) => fetch(url));

  app.get("/v1/models", async (c) => {
    await registry.warm(state.keepAlive(c));
    const models = [];
    const unavailable = [];
    for (const id of registry.ids) {
      try {
        const m = await registry.get(id);
        models.push({
          id,
          task: m.task,
          architecture: m.architecture,
          ...(m.labels ? { labels: m.labels } : {}),
          maxTokens: m.maxTokens,
          default: id === registry.defaultId,
        });
      } catch (error) {
        unavailable.push({ id, error: (error as Error).message });
      }
    }
    return c.json(unavailable.length ? { models, unavailable } : { models });
  });

  app.get(
    "/models/:model/*",
    rateLimit(state.rateLimiter, (c) => state.options.clientKey?.(c)),
    slot(state.downloads, state.now),
    async (c) => {
      const id = registry.resolve(c.req.param("model"));
      const file = c.req.path.slice(`/models/${encodeURIComponent(id)}/`.length);
      if (!MODEL_FILE.test(file)) {
        throw new ApiError(
          "not_found",
          `No model file ${JSON.stringify(file)}; served are ${MODEL_FILES}`,
        );
      }
      const model = await registry.get(id, state.keepAlive(c));
      const source = await modelFile(new URL(file, model.base));
      if (!source.ok || !source.body) {
        await source.body?.cancel();
        if (source.status === 404) {
          throw new ApiError("not_found", `Model ${id} has no file ${JSON.stringify(file)}`);
        }
        throw new Error(`Reading ${file} of model ${id} gave HTTP ${source.status}`);
      }
      const length = source.headers.get("content-length");
      return c.body(source.body, 200, {
        "Content-Type": contentType(file),
        "Cache-Control": "public, max-age=3600",
        ...(length ? { "Content-Length": length } : {}),
      });
    },
  );
  return app;
}
