/**
 * Validation of method options against their {@link OptionSpec}s: unknown names, wrong types and
 * out-of-range values get a RangeError or TypeError that says what was wrong and what is allowed,
 * e.g. `Cannot run integrated-gradients: "steps" must be >= 1, current value is 0`.
 *
 * @module
 */
import type { AnyParams, MethodSpec, OptionSpec } from "./methods/types.ts";

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function checkOne(method: string, spec: OptionSpec, value: unknown): unknown {
  const where = `Cannot run ${method}: "${spec.name}"`;
  if (typeof value === "string" && spec.alsoAccepts?.includes(value)) return value;
  switch (spec.type) {
    case "integer":
    case "number": {
      const extra = spec.alsoAccepts?.length
        ? ` or ${spec.alsoAccepts.map((s) => `"${s}"`).join(", ")}`
        : "";
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new TypeError(
          `${where} must be a finite number${extra}, current value is ${describe(value)}`,
        );
      }
      if (spec.type === "integer" && !Number.isInteger(value)) {
        throw new TypeError(
          `${where} must be an integer${extra}, current value is ${describe(value)}`,
        );
      }
      if (spec.min !== undefined && value < spec.min) {
        throw new RangeError(`${where} must be >= ${spec.min}, current value is ${value}`);
      }
      if (spec.max !== undefined && value > spec.max) {
        throw new RangeError(`${where} must be <= ${spec.max}, current value is ${value}`);
      }
      return value;
    }
    case "string":
      if (typeof value !== "string" || (spec.values && !spec.values.includes(value))) {
        const allowed = spec.values ? `one of ${spec.values.join(", ")}` : "a string";
        throw new TypeError(`${where} must be ${allowed}, current value is ${describe(value)}`);
      }
      return value;
    case "boolean":
      if (typeof value !== "boolean") {
        throw new TypeError(`${where} must be true or false, current value is ${describe(value)}`);
      }
      return value;
  }
}

/**
 * Checks options for a method and fills in defaults.
 *
 * @returns The options with every default filled in (those whose default is `undefined` are left out):
 *   the `params` the method's `run` receives, typed as it declares them (see `defineMethod`).
 * @throws TypeError or RangeError naming the option, what is allowed and the value given.
 */
export function validateOptions<P = AnyParams>(
  method: MethodSpec<P>,
  given: Record<string, unknown>,
): P {
  const known = new Map(method.options.map((o) => [o.name, o]));
  const out: Record<string, unknown> = Object.create(null);
  for (const name of Object.keys(given)) {
    if (given[name] === undefined) continue;
    if (!Object.hasOwn(given, name) || !known.has(name)) {
      const names = method.options.map((o) => o.name);
      throw new TypeError(
        `Cannot run ${method.id}: unknown option "${name}"; ` +
          (names.length ? `allowed options are ${names.join(", ")}` : "it takes no options"),
      );
    }
  }
  for (const spec of method.options) {
    const value = Object.hasOwn(given, spec.name) && given[spec.name] !== undefined
      ? given[spec.name]
      : spec.default;
    if (value === undefined) continue;
    out[spec.name] = checkOne(method.id, spec, value);
  }
  // Every value was checked against its spec above: this is where the specs' promise to `run`
  // (ParamsOf) is kept, so it is the one place that asserts the type.
  return { ...out } as P;
}
