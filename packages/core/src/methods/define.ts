/**
 * How methods are declared: one method with {@link defineMethod}, which types `ctx.params` from the
 * method's option specs, and a set of methods with {@link methodSet}, which looks them up by id. The
 * full registry (`registry.ts`) and any subset an app builds for `createExplainer` are method sets.
 *
 * @module
 */
import { UnknownMethodError } from "../errors.ts";
import type { MethodSpec, OptionSpec, ParamsOf } from "./types.ts";

/**
 * Declares a method. Its options stay plain data (what `/v1/methods` and `--list-methods` show);
 * `run` gets `ctx.params` typed from them ({@link ParamsOf}), which `validateOptions` makes true at
 * run time by checking every value against the same specs. Shared specs must keep their literal
 * types (`as const satisfies OptionSpec`, as in `_options.ts`) for this to work.
 *
 * @example
 * ```ts ignore
 * export const occlusion = defineMethod({
 *   id: "occlusion",
 *   options: [{ name: "window", type: "integer", default: 1, min: 1, description: "..." }],
 *   async run(ctx) {
 *     const window = ctx.params.window; // number
 *   },
 *   // ...
 * });
 * ```
 */
export function defineMethod<const O extends readonly OptionSpec[]>(
  method: MethodSpec<ParamsOf<O>> & { options: O },
): MethodSpec<ParamsOf<O>> {
  return method;
}

/** Methods looked up by id, in the order they are listed to users. */
export interface MethodSet {
  readonly methods: readonly MethodSpec[];
  readonly ids: readonly string[];
  /**
   * Looks a method up by id.
   *
   * @throws UnknownMethodError listing the ids of the set.
   */
  get(id: string): MethodSpec;
}

/**
 * A set of methods.
 *
 * @throws TypeError when two methods share an id.
 */
export function methodSet(methods: readonly MethodSpec[]): MethodSet {
  const byId = new Map<string, MethodSpec>();
  for (const method of methods) {
    if (byId.has(method.id)) throw new TypeError(`Method ${method.id} is listed twice`);
    byId.set(method.id, method);
  }
  const ids = Object.freeze(methods.map((m) => m.id));
  return {
    methods: Object.freeze([...methods]),
    ids,
    get(id) {
      const method = byId.get(id);
      if (!method) throw new UnknownMethodError(String(id), ids);
      return method;
    },
  };
}
