/**
 * The widget's attention view: the matrix an attention method returned as a table shaded by weight,
 * with pickers for the layer and head options (dropdowns when the model's counts are known).
 *
 * @module
 */
import type { Explanation } from "@glassbox/core";
import { rgbToHex, scoreColor } from "@glassbox/render/palette";
import { displayUnits } from "@glassbox/render/units";
import type { MethodOption } from "./backend.ts";

/** Options of the attention methods that pick one matrix. */
export const ATTENTION_OPTIONS = ["layer", "head"];

function OptionPicker(
  { option, count, value, onChange }: {
    option: MethodOption;
    /** How many layers or heads the model has (from the explanation's diagnostics), if known. */
    count: number | undefined;
    value: number | undefined;
    onChange(v: number | undefined): void;
  },
) {
  const label = option.name === "layer" ? "Layer" : "Head";
  const last = option.max ?? (count === undefined ? undefined : count - 1);
  if (last === undefined) {
    return (
      <label>
        {label}{" "}
        <input
          type="number"
          min={option.min ?? 0}
          value={value ?? ""}
          placeholder="mean"
          onChange={(ev) => {
            const v = (ev.currentTarget as HTMLInputElement).value;
            onChange(v === "" ? undefined : Number(v));
          }}
        />
      </label>
    );
  }
  const values: number[] = [];
  for (let i = option.min ?? 0; i <= last; i++) values.push(i);
  return (
    <label>
      {label}{" "}
      <select
        value={value === undefined ? "" : String(value)}
        onChange={(ev) => {
          const v = (ev.currentTarget as HTMLSelectElement).value;
          onChange(v === "" ? undefined : Number(v));
        }}
      >
        <option value="">mean</option>
        {values.map((v) => <option key={v} value={String(v)}>{v}</option>)}
      </select>
    </label>
  );
}
/** The attention matrix and its layer and head pickers. */
export function AttentionView(
  { e, options, picks, onPick }: {
    e: Explanation;
    options: MethodOption[];
    picks: Record<string, number | undefined>;
    onPick(name: string, v: number | undefined): void;
  },
) {
  const a = e.attention!;
  const labels = displayUnits(e, "token").map((u) => u.label);
  let max = 0;
  for (const row of a.matrix) for (const v of row) if (v > max) max = v;
  const what = [
    a.kind,
    a.layer !== undefined && `layer ${a.layer}`,
    a.head !== undefined &&
    `head ${a.head}`,
  ].filter(Boolean).join(", ");
  return (
    <section part="attention" aria-label="Attention">
      <h3>Attention ({what})</h3>
      {options.length > 0 && (
        <div class="row">
          {options.map((o) => (
            <OptionPicker
              key={o.name}
              option={o}
              count={e.diagnostics[o.name === "layer" ? "layers" : "heads"] as number | undefined}
              value={picks[o.name]}
              onChange={(v) => onPick(o.name, v)}
            />
          ))}
        </div>
      )}
      <p class="meta">
        Each row is a token and shows where it attends; darker red is more weight (largest{" "}
        {max.toFixed(2)}).
      </p>
      <div class="att">
        <table>
          <caption class="sr">Rows attend to columns; cell values are attention weights</caption>
          <thead>
            <tr>
              <td />
              {labels.map((l, j) => <th key={j} scope="col">{l}</th>)}
            </tr>
          </thead>
          <tbody>
            {a.matrix.map((row, i) => (
              <tr key={i}>
                <th scope="row">{labels[i]}</th>
                {row.map((v, j) => (
                  <td key={j} style={{ "--c": rgbToHex(scoreColor(v, max)) }}>
                    <span class="sr">{v.toFixed(2)}</span>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
