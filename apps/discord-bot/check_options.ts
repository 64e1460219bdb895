/**
 * Checking the options of /explain and /predict before any work is admitted: unknown options, an
 * empty or too long text, an unknown model or method, a bad target each get a reason to show.
 *
 * @module
 */
import { getMethod, UnknownMethodError } from "@glassbox/core";
import { TARGET_MAX_LENGTH, TEXT_MAX_LENGTH } from "./commands.ts";
import type { CheckedOptions } from "./reply.ts";

/**
 * Checks command options against the limits the registered commands declare (Discord enforces them
 * in its client, but the HTTP endpoint and local mode receive whatever is sent).
 *
 * @returns The checked options, or the reason they were refused.
 */
export function checkOptions(
  name: "explain" | "predict",
  options: Record<string, string | undefined>,
  models: readonly string[],
): CheckedOptions | string {
  const allowed = name === "explain" ? ["text", "method", "target", "model"] : ["text", "model"];
  const extra = Object.keys(options).filter((key) => !allowed.includes(key));
  if (extra.length > 0) {
    return `Unknown option ${extra[0]} for /${name}: it takes ${allowed.join(", ")}`;
  }
  const { text, method = "occlusion", target, model = models[0] } = options;
  if (typeof text !== "string" || text.trim().length === 0) {
    return "The text is empty: give at least one word";
  }
  if (text.length > TEXT_MAX_LENGTH) {
    return `The text is ${text.length} characters long; the limit is ${TEXT_MAX_LENGTH}`;
  }
  if (!models.includes(model)) {
    return `Unknown model ${model}: this bot has ${models.join(", ")}`;
  }
  if (name === "predict") return { text, model, method };
  try {
    getMethod(method);
  } catch (error) {
    if (error instanceof UnknownMethodError) return error.message;
    throw error;
  }
  if (target !== undefined && (target.length === 0 || target.length > TARGET_MAX_LENGTH)) {
    return `The target must be 1 to ${TARGET_MAX_LENGTH} characters long, got ${target.length}`;
  }
  return { text, model, method, target };
}
