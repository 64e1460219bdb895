/**
 * What a verified interaction body must look like before the endpoint reads it: Discord's fields that
 * `interactions.ts` uses, type-checked, so a validly signed but malformed body gets a 400 that says
 * which field is wrong instead of an error deep inside the handler.
 *
 * @module
 */
/** An interaction as far as the endpoint reads it. */
export interface Interaction {
  type: number;
  token?: string;
  userId?: string;
  name?: string;
  options: Record<string, string>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Reads the fields the endpoint uses from a parsed body, checking their types.
 *
 * @returns The interaction, or what is wrong with the body.
 */
export function readInteraction(body: unknown): Interaction | string {
  if (!isObject(body)) return "it is not a JSON object";
  const { type, token, member, user, data } = body;
  if (!Number.isInteger(type)) return '"type" is not an integer';
  if (token !== undefined && typeof token !== "string") return '"token" is not a string';
  if (member !== undefined && !isObject(member)) return '"member" is not an object';
  const who = member?.user ?? user;
  if (who !== undefined && !(isObject(who) && ["string", "undefined"].includes(typeof who.id))) {
    return '"user" is not an object with a string "id"';
  }
  if (data !== undefined && !isObject(data)) return '"data" is not an object';
  if (data?.name !== undefined && typeof data.name !== "string") {
    return '"data.name" is not a string';
  }
  const list = data?.options ?? [];
  if (!Array.isArray(list)) return '"data.options" is not an array';
  const options: Record<string, string> = {};
  for (const option of list) {
    if (
      !isObject(option) || typeof option.name !== "string" ||
      !["string", "number", "boolean"].includes(typeof option.value)
    ) {
      return 'an entry of "data.options" is not {name: string, value: string | number | boolean}';
    }
    options[option.name] = String(option.value);
  }
  return {
    type: type as number,
    token: token as string | undefined,
    userId: (who as { id?: string } | undefined)?.id,
    name: data?.name as string | undefined,
    options,
  };
}
