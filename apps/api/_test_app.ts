/**
 * What the API's unit tests share: the bundled demo models loaded once, an app over them with
 * renderer setup and logging stubbed, and helpers to post JSON and check error answers.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadModel, type Model } from "@glassbox/core";
import { type ApiOptions, createApp } from "./app.ts";

/** The bundled demo models, loaded once for every app the tests create. */
export const TEST_MODEL = "distilbert-sentiment";
export const model: Model = await loadModel(TEST_MODEL);
export const gpt2: Model = await loadModel("gpt2-tiny");

export function makeApp(options: ApiOptions = {}) {
  return createApp({
    models: [TEST_MODEL],
    loadModel: (id) => Promise.resolve(id === TEST_MODEL ? model : gpt2),
    initRenderer: () => Promise.resolve(),
    log: () => {},
    ...options,
  });
}

export const app = makeApp({ limits: { rateLimit: null } });

export function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export async function expectError(
  response: Response | Promise<Response>,
  status: number,
  code: string,
  message?: string | RegExp,
) {
  const r = await response;
  const body = await r.json();
  assert.equal(r.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.details, "object");
  if (typeof message === "string") assert.equal(body.error.message, message);
  else if (message) assert.match(body.error.message, message);
  return { response: r, body };
}

export const withoutTime = <T extends { diagnostics: { elapsedMs: number } }>(x: T) => ({
  ...x,
  diagnostics: { ...x.diagnostics, elapsedMs: 0 },
});
