/**
 * The one place that knows what a model's graph takes and how to feed it. {@link planFeeds} reads the
 * inputs a graph declares (name, element type, shape) and decides, once, the role of each: token ids,
 * attention mask, token types, positions, an empty past key/value (in every naming exporters use), or
 * the merged-decoder flag `use_cache_branch`; an input it cannot fill is refused by name before
 * anything runs. {@link feedRows} then turns right-padded id rows into tensors of the declared element
 * types. Forward passes, taps, the position head and the gradient graphs all feed through it.
 *
 * Position ids follow the attention mask, as transformers.js and Hugging Face generation do: a token's
 * position is the number of attended tokens before it, so masked tokens do not shift the ones after
 * them, and padding after a row repeats its last position (always a valid index).
 *
 * It also holds the two graph questions every graph builder asks about a model's inputs: where the
 * word embedding is looked up ({@link findWordEmbedding}), and whether a tensor is constant
 * ({@link isConstant}).
 *
 * @module
 */
import type { Model } from "./model.ts";
import type { OnnxGraph } from "./onnx/graph.ts";
import type { NodeProto, TensorProto } from "./onnx/proto.ts";
import type { TensorData, TensorType } from "./session.ts";

/** A graph input as the graph declares it (onnxruntime's element type names: `int64`, `float16`...). */
export interface DeclaredInput {
  readonly name: string;
  readonly type: string;
  /** Numbers for fixed dimensions, strings for symbolic ones. */
  readonly shape: readonly (number | string)[];
}

/** What an input is fed with. */
export type InputRole =
  | "ids"
  | "mask"
  | "token-types"
  | "positions"
  | "past"
  | "cache-branch";

/** One input of a {@link FeedPlan}. */
export interface PlannedInput {
  readonly name: string;
  readonly role: InputRole;
  /** The element type it is fed in: the declared one. */
  readonly type: TensorType;
  /** Past inputs only: each axis as a fixed size, the batch, or the (empty) past sequence. */
  readonly axes?: readonly (number | "batch" | "past")[];
}

/** How to feed a graph: one entry per input the caller does not feed itself. */
export interface FeedPlan {
  readonly inputs: readonly PlannedInput[];
}

/** One batch of token rows. */
export interface FeedRows {
  /** Token ids per row; shorter rows are right-padded to the longest. */
  readonly rows: readonly (readonly number[])[];
  /** The id padding gets. */
  readonly pad: number;
  /** Per row, 1 for attended tokens and 0 for masked ones; by default 1 for the row's own tokens. */
  readonly masks?: readonly (readonly number[])[];
}

/** The name under which exports take the token ids. */
export const IDS_INPUT = "input_ids";

const ROLES: Record<string, InputRole> = {
  [IDS_INPUT]: "ids",
  attention_mask: "mask",
  token_type_ids: "token-types",
  position_ids: "positions",
  use_cache_branch: "cache-branch",
};

/**
 * Past key/value inputs: `past_key_values.N.key`/`.value` (Optimum, transformers.js), `past.N.key`,
 * `past_N` (a stacked [2, batch, heads, past, head] per layer, older GPT-2 exports) and
 * `past_key_N`/`past_value_N`.
 */
const PAST = /^past(_key_values)?[._]/;

/** Element types each role can be fed in. */
const TYPES: Record<InputRole, readonly TensorType[]> = {
  "ids": ["int64", "int32"],
  "mask": ["int64", "int32", "float32", "bool"],
  "token-types": ["int64", "int32"],
  "positions": ["int64", "int32"],
  "past": ["float32", "float16"],
  "cache-branch": ["bool"],
};

/** Default element type when the runtime reports none. */
const DEFAULT_TYPE: Record<InputRole, TensorType> = {
  "ids": "int64",
  "mask": "int64",
  "token-types": "int64",
  "positions": "int64",
  "past": "float32",
  "cache-branch": "bool",
};

const KNOWN =
  "input_ids, attention_mask, token_type_ids, position_ids, use_cache_branch, past_key_values.N.key/value, past_N";

/** The axes of an empty past input: fixed sizes stay, the batch axis follows the batch, the past is 0. */
function pastAxes(what: string, input: DeclaredInput): (number | "batch" | "past")[] {
  return input.shape.map((d) => {
    if (typeof d === "number" && d >= 0) return d;
    const label = String(d);
    if (/batch/i.test(label)) return "batch";
    if (/past|seq|length|total/i.test(label)) return "past";
    throw new TypeError(
      `Cannot feed ${what}: its input "${input.name}" has a dimension "${label}" that is neither a batch ` +
        `nor a sequence axis, so its empty past cannot be shaped`,
    );
  });
}

/**
 * Decides how to feed a graph.
 *
 * @param inputs The inputs the graph declares.
 * @param what Names the graph in errors, e.g. `model gpt2-tiny`.
 * @param own Inputs the caller feeds itself (left out of the plan).
 * @returns The plan, in the order of `inputs`.
 * @throws TypeError naming an input glassbox cannot fill, or one declared in an element type its role
 *   cannot be fed in.
 */
export function planFeeds(
  inputs: readonly DeclaredInput[],
  what: string,
  own: ReadonlySet<string> = new Set(),
): FeedPlan {
  const planned: PlannedInput[] = [];
  for (const input of inputs) {
    if (own.has(input.name)) continue;
    const role = ROLES[input.name] ?? (PAST.test(input.name) ? "past" : undefined);
    if (!role) {
      throw new TypeError(
        `Cannot feed ${what}: its graph takes an input "${input.name}" glassbox does not know how to feed (known: ${KNOWN})`,
      );
    }
    const declared = input.type === "unknown" || !input.type ? DEFAULT_TYPE[role] : input.type;
    const type = TYPES[role].find((t) => t === declared);
    if (!type) {
      throw new TypeError(
        `Cannot feed ${what}: its input "${input.name}" is declared as ${declared}; ` +
          `glassbox feeds it as ${TYPES[role].join(" or ")}`,
      );
    }
    planned.push({
      name: input.name,
      role,
      type,
      ...(role === "past" ? { axes: pastAxes(what, input) } : {}),
    });
  }
  return { inputs: planned };
}

/** A [batch, length] tensor of the given type from integer values. */
function grid(type: TensorType, values: Int32Array, dims: number[]): TensorData {
  switch (type) {
    case "int64":
      return { type, dims, data: BigInt64Array.from(values, BigInt) };
    case "float32":
      return { type, dims, data: Float32Array.from(values) };
    case "bool":
      return { type, dims, data: Uint8Array.from(values) };
    default:
      return { type, dims, data: values };
  }
}

/**
 * The feeds of a plan for one batch of rows.
 *
 * @param plan From {@link planFeeds}.
 * @param batch Rows (right-padded to the longest), the padding id and optional masks.
 * @returns One tensor per planned input; the caller adds its own.
 * @throws RangeError when a mask's length differs from its row's.
 */
export function feedRows(plan: FeedPlan, batch: FeedRows): Record<string, TensorData> {
  const { rows, pad } = batch;
  const count = rows.length;
  const length = Math.max(1, ...rows.map((r) => r.length));
  const ids = new Int32Array(count * length).fill(pad);
  const mask = new Int32Array(count * length);
  const positions = new Int32Array(count * length);
  rows.forEach((row, b) => {
    const given = batch.masks?.[b];
    if (given && given.length !== row.length) {
      throw new RangeError(
        `Cannot feed row ${b}: its mask has ${given.length} entries for ${row.length} tokens`,
      );
    }
    let attended = 0;
    for (let i = 0; i < length; i++) {
      const k = b * length + i;
      if (i < row.length) {
        ids[k] = row[i];
        mask[k] = given ? (given[i] ? 1 : 0) : 1;
        attended += mask[k];
      }
      positions[k] = Math.max(0, attended - 1);
    }
  });
  const dims = [count, length];
  const feeds: Record<string, TensorData> = {};
  for (const input of plan.inputs) {
    const { name, type } = input;
    switch (input.role) {
      case "ids":
        feeds[name] = grid(type, ids, dims);
        break;
      case "mask":
        feeds[name] = grid(type, mask, dims);
        break;
      case "token-types":
        feeds[name] = grid(type, new Int32Array(count * length), dims);
        break;
      case "positions":
        feeds[name] = grid(type, positions, dims);
        break;
      case "cache-branch":
        // A merged decoder's first step: no past yet, so the branch that ignores it.
        feeds[name] = { type: "bool", dims: [1], data: new Uint8Array([0]) };
        break;
      case "past": {
        const shape = input.axes!.map((a) => (a === "batch" ? count : a === "past" ? 0 : a));
        const size = shape.reduce((x, y) => x * y, 1);
        feeds[name] = type === "float16"
          ? { type, dims: shape, data: new Uint16Array(size) }
          : { type: "float32", dims: shape, data: new Float32Array(size) };
      }
    }
  }
  return feeds;
}

/** The id a model's padding gets: its pad token, else its end-of-sequence token, else 0. */
export function padId(model: Pick<Model, "tokenizer">): number {
  const special = model.tokenizer.specialIds;
  return special.pad ?? special.eos ?? 0;
}

/**
 * The feeds of a model's own graph for a right-padded batch.
 *
 * @param model A loaded model.
 * @param rows Token ids per row.
 * @returns One tensor per input the graph declares.
 * @throws TypeError naming an input glassbox cannot fill.
 */
export function feedsFor(
  model: Pick<Model, "id" | "session" | "tokenizer">,
  rows: readonly (readonly number[])[],
): Record<string, TensorData> {
  return feedRows(planFeeds(model.session.inputs, `model ${model.id}`), {
    rows,
    pad: padId(model),
  });
}

/** The word-embedding lookup of a graph. */
export interface WordEmbedding {
  /** The Gather node. */
  node: NodeProto;
  /** Its [vocabulary, width] table. */
  table: TensorProto;
  vocab: number;
  width: number;
}

/** Ops that pass token ids through unchanged (reshaped or cast), as exports do before the lookup. */
const ID_PRESERVING = new Set(["Reshape", "Cast", "Unsqueeze", "Squeeze", "Flatten", "Identity"]);

/** Is `name` the ids input, possibly reshaped or cast (not, say, a position range)? */
function carriesIds(graph: OnnxGraph, name: string): boolean {
  for (let depth = 0; depth < 8; depth++) {
    if (name === IDS_INPUT) return true;
    const node = graph.producer(name);
    if (!node || !ID_PRESERVING.has(node.op_type!)) return false;
    name = node.input![0];
  }
  return false;
}

/**
 * Finds the Gather that looks the token ids up in the word-embedding table: a standard-domain Gather of
 * a [vocabulary, width] initializer indexed by `input_ids` (possibly reshaped or cast). Position and
 * token-type tables are indexed by other inputs; where several tables match, the largest vocabulary
 * wins.
 *
 * @param graph The model's graph.
 * @returns The lookup, or undefined when the graph has none.
 */
export function findWordEmbedding(graph: OnnxGraph): WordEmbedding | undefined {
  let found: WordEmbedding | undefined;
  for (const node of graph.findNodes((n) => n.op_type === "Gather" && !n.domain)) {
    const table = graph.initializer(node.input![0]);
    if (table?.dims?.length !== 2 || !carriesIds(graph, node.input![1])) continue;
    const [vocab, width] = table.dims.map(Number);
    if (!found || vocab > found.vocab) found = { node, table, vocab, width };
  }
  return found;
}

/**
 * Is a tensor's value independent of the graph's inputs: an initializer, or computed from
 * initializers and Constant nodes only? Looks through up to 4 ops (a tied LM head's Transpose of the
 * embedding, a dequantized weight); deeper chains count as computed.
 */
export function isConstant(graph: OnnxGraph, name: string, depth = 0): boolean {
  if (graph.initializer(name)) return true;
  const node = graph.producer(name);
  if (!node || depth > 4) return false;
  return (node.input ?? []).every((i) => !i || isConstant(graph, i, depth + 1));
}
