/**
 * Neuron activations: for each layer, the MLP neurons (the inputs of the MLP down-projection, after
 * the non-linearity) that fire most strongly on each token, with their values, in `views.neurons`. A
 * view of the model's internals rather than an attribution: a token's score is its largest activation
 * magnitude in the chosen layer (default: the last), which marks the tokens the MLP reacts to, not the
 * direction they push the prediction.
 *
 * @module
 */
import type { MethodResult } from "./types.ts";
import { defineMethod } from "./define.ts";
import { checkIndexOption } from "./_options.ts";
import { runTaps } from "../internals/taps.ts";
import { InputError } from "../errors.ts";

/** The neurons view. */
export interface NeuronsView {
  layers: {
    layer: number;
    width: number;
    tokens: { token: number; top: { neuron: number; value: number }[] }[];
  }[];
}

/** The neurons method. */
export const neurons = defineMethod({
  id: "neurons",
  kind: "internals",
  description:
    "The MLP neurons that activate most on each token, per layer (views.neurons); scores are peak activations.",
  options: [
    {
      name: "layer",
      type: "integer",
      default: undefined,
      min: 0,
      description: "Layer to show (default: all; scores use the last).",
    },
    {
      name: "neuronsPerToken",
      type: "integer",
      default: 5,
      min: 1,
      max: 50,
      description: "Top neurons listed per token.",
    },
  ],
  needs: { hiddenStates: true },
  async run(ctx): Promise<MethodResult> {
    const taps = await runTaps(ctx.model, ctx.ids);
    ctx.counters.forward += 1;
    const count = taps.neurons.length;
    if (count === 0) {
      throw new InputError(`Cannot run neurons: no MLP down-projection found in ${ctx.model.id}`);
    }
    const { layer, neuronsPerToken: k } = ctx.params;
    checkIndexOption(ctx.model, "neurons", "layer", layer, count);
    const n = taps.tokens;
    const layers = (layer === undefined ? [...Array(count).keys()] : [layer]).map((l) => {
      const { data, width } = taps.neurons[l];
      return {
        layer: l,
        width,
        tokens: Array.from({ length: n }, (_, i) => {
          const row = data.subarray(i * width, (i + 1) * width);
          const order = Array.from(row.keys()).sort((a, b) =>
            Math.abs(row[b]) - Math.abs(row[a]) || a - b
          ).slice(0, k);
          return { token: i, top: order.map((neuron) => ({ neuron, value: row[neuron] })) };
        }),
      };
    });
    const last = layers[layers.length - 1];
    return {
      scores: last.tokens.map((t) => Math.abs(t.top[0]?.value ?? 0)),
      views: { neurons: { layers } satisfies NeuronsView },
    };
  },
});
