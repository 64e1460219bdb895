/**
 * A checker for the subset of JSON Schema that `explanation.schema.json` uses (type, const, enum,
 * required, properties, items, minimum, maximum, minItems, maxItems, pattern), for tests across the
 * workspace. It returns every violation with its JSON path, so a failing test says what is wrong.
 *
 * @module
 */

/** A JSON Schema node of the supported subset. */
export interface SchemaNode {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
}

function typeOk(type: string, value: unknown): boolean {
  switch (type) {
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    default:
      throw new TypeError(`Unsupported schema type "${type}"`);
  }
}

/** Lists the violations of `value` against `schema` (empty when it conforms). */
export function checkSchema(schema: SchemaNode, value: unknown, path = "$"): string[] {
  if (schema.type && !typeOk(schema.type, value)) {
    return [`${path}: expected ${schema.type}, got ${JSON.stringify(value)?.slice(0, 40)}`];
  }
  const errors: string[] = [];
  if ("const" in schema && value !== schema.const) {
    errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  }
  if (schema.enum && !schema.enum.includes(value)) {
    errors.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) {
      errors.push(`${path}: ${value} < ${schema.minimum}`);
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      errors.push(`${path}: ${value} > ${schema.maximum}`);
    }
  }
  if (typeof value === "string" && schema.pattern && !new RegExp(schema.pattern).test(value)) {
    errors.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      errors.push(`${path}: fewer than ${schema.minItems} items`);
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      errors.push(`${path}: more than ${schema.maxItems} items`);
    }
    if (schema.items) {
      value.forEach((v, i) => errors.push(...checkSchema(schema.items!, v, `${path}[${i}]`)));
    }
  }
  if (typeOk("object", value)) {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!(key in object)) errors.push(`${path}: missing ${key}`);
    }
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (key in object) errors.push(...checkSchema(sub, object[key], `${path}.${key}`));
    }
  }
  return errors;
}
