/**
 * The widget's top-k predictions: bars that pick the target to explain, and a menu that picks a
 * contrast ("why this rather than that").
 *
 * @module
 */
import type { Explanation } from "@glassbox/core";

/** A prediction's label; a causal LM's next token is quoted so its leading space shows. */
export function shownLabel(e: Explanation, label: string): string {
  return e.model.task === "text-generation" ? `“${label}”` : label;
}
/** The prediction bars and the contrast menu. */
export function Predictions(
  { e, onTarget, onContrast }: {
    e: Explanation;
    onTarget(id: number): void;
    onContrast(id: number | undefined): void;
  },
) {
  return (
    <section part="predictions" aria-label="Predictions">
      <h3>Predictions: pick one to explain it</h3>
      <ul class="preds">
        {e.predictions.map((p) => (
          <li key={p.id}>
            <button
              type="button"
              class="bar"
              part="bar"
              aria-pressed={p.id === e.target.id}
              onClick={() => onTarget(p.id)}
            >
              <span class="lbl">
                {shownLabel(e, p.label)}
                {p.id === e.target.id ? " (explained)" : ""}
              </span>
              <span class="track" aria-hidden="true">
                <span class="fill" style={{ "--w": String(p.probability) }} />
              </span>
              <span class="num">{(p.probability * 100).toFixed(1)}%</span>
            </button>
          </li>
        ))}
      </ul>
      <div class="row">
        <label>
          Rather than{" "}
          <select
            value={e.contrast ? String(e.contrast.id) : ""}
            onChange={(ev) => {
              const v = (ev.currentTarget as HTMLSelectElement).value;
              onContrast(v === "" ? undefined : Number(v));
            }}
          >
            <option value="">(no contrast)</option>
            {e.predictions.filter((p) => p.id !== e.target.id).map((p) => (
              <option key={p.id} value={String(p.id)}>{shownLabel(e, p.label)}</option>
            ))}
          </select>
        </label>
      </div>
    </section>
  );
}
