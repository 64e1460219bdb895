/**
 * The widget's view, one Preact component for both modes: controls (text, method, word level), the
 * token heatmap with tooltips and keyboard navigation, the legend, top-k prediction bars that pick
 * the target and contrast, an attention matrix for methods that return one, progress and errors.
 * It owns no I/O: it asks its {@link Backend} and reports each explanation through `onExplained`.
 *
 * @module
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Explanation } from "@glassbox/core";
import {
  formatScore,
  maxAbsScore,
  rgbToHex,
  scoreColor,
  textColorOn,
} from "@glassbox/render/palette";
import { type DisplayUnit, displayUnits, type Level } from "@glassbox/render/units";
import type { Backend, ExplainRequest, MethodInfo, MethodOption, Progress } from "./backend.ts";

/** What the element's attributes say. */
export interface ViewConfig {
  model?: string;
  method: string;
  text: string;
  target?: string;
  editable: boolean;
}

/** Props of {@link View}. */
export interface ViewProps {
  backend: Backend;
  config: ViewConfig;
  /** Called with every explanation the view shows, or with the error it shows. */
  onExplained(result: Explanation | Error): void;
}

/** Options of the attention methods that pick one matrix. */
const ATTENTION_OPTIONS = ["layer", "head"];

function direction(score: number, target: string): string {
  return score > 0 ? `toward ${target}` : score < 0 ? `against ${target}` : "neutral";
}

/** Pieces shown in a tooltip: the tokens of a word, or the tokens of the word a token belongs to. */
function piecesOf(e: Explanation, unit: DisplayUnit, level: Level): number[] {
  let [first, last] = unit.tokens;
  if (level === "token" && !unit.special) {
    const word = e.words?.find((w) => w.tokens[0] <= first && first <= w.tokens[1]);
    if (word) [first, last] = word.tokens;
  }
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(i);
  return out;
}

/** The tooltip of the chip under the pointer or focus, placed below it (`x`, `y` in pixels). */
function Tooltip(
  { e, unit, level, x, y }: {
    e: Explanation;
    unit: DisplayUnit;
    level: Level;
    x: number;
    y: number;
  },
) {
  const pieces = piecesOf(e, unit, level);
  return (
    <div
      class="tip"
      role="tooltip"
      id="gb-tip"
      part="tooltip"
      style={{ "--x": `${x}px`, "--y": `${y}px` }}
    >
      <b>{unit.label}</b> {formatScore(unit.score)}
      <br />
      {direction(unit.score, e.target.label)}
      {pieces.length > 1 && (
        <>
          <br />
          pieces: {pieces.map((i) =>
            `${e.tokens[i].text}${i === unit.tokens[0] && level === "token" ? "*" : ""} ${
              formatScore(e.scores[i])
            }`
          ).join(" · ")}
        </>
      )}
    </div>
  );
}

function Heatmap({ e, level }: { e: Explanation; level: Level }) {
  const units = useMemo(() => displayUnits(e, level), [e, level]);
  const maxAbs = maxAbsScore(units.map((u) => u.score));
  const [focus, setFocus] = useState(0);
  const [shown, setShown] = useState<number | undefined>(undefined);
  const refs = useRef<(HTMLElement | null)[]>([]);
  const current = Math.min(focus, units.length - 1);

  function move(to: number) {
    const next = Math.max(0, Math.min(units.length - 1, to));
    setFocus(next);
    setShown(next);
    refs.current[next]?.focus();
  }
  function onKey(event: KeyboardEvent) {
    const step: Record<string, number> = {
      ArrowRight: current + 1,
      ArrowDown: current + 1,
      ArrowLeft: current - 1,
      ArrowUp: current - 1,
      Home: 0,
      End: units.length - 1,
    };
    if (event.key in step) {
      event.preventDefault();
      move(step[event.key]);
    } else if (event.key === "Escape") setShown(undefined);
  }

  // The tooltip sits beside the listbox rather than inside a chip, so that a chip's accessible name
  // stays its visible text plus its score.
  const anchor = shown === undefined ? undefined : refs.current[shown];
  return (
    <div class="heat">
      <div
        class="map"
        part="heatmap"
        role="listbox"
        aria-label={`Tokens coloured by their score for ${e.target.label}; use the arrow keys to read each score`}
        aria-orientation="horizontal"
        onKeyDown={onKey}
      >
        {units.map((u, i) => {
          const color = scoreColor(u.score, maxAbs);
          const sign = u.score > 0 ? "pos" : u.score < 0 ? "neg" : "zero";
          return (
            <span
              key={`${level}${i}`}
              ref={(el) => {
                refs.current[i] = el;
              }}
              class={`t ${sign}${u.special ? " sp" : ""}${u.spaceBefore && i > 0 ? " gap" : ""}`}
              part="token"
              role="option"
              tabIndex={i === current ? 0 : -1}
              aria-selected={i === current}
              aria-label={`${u.label}: ${formatScore(u.score)}, ${
                direction(u.score, e.target.label)
              }`}
              aria-describedby={shown === i ? "gb-tip" : undefined}
              data-score={u.score}
              style={{ "--c": rgbToHex(color), "--f": textColorOn(color) }}
              onFocus={() => (setFocus(i), setShown(i))}
              onBlur={() => setShown(undefined)}
              onMouseEnter={() => setShown(i)}
              onMouseLeave={() => setShown(undefined)}
            >
              {u.label}
            </span>
          );
        })}
      </div>
      {anchor && units[shown!] && (
        <Tooltip
          e={e}
          unit={units[shown!]}
          level={level}
          x={anchor.offsetLeft}
          y={anchor.offsetTop + anchor.offsetHeight + 4}
        />
      )}
      <div class="legend" part="legend">
        <span>{formatScore(-maxAbs)} against</span>
        <span class="scale" aria-hidden="true" />
        <span>{formatScore(maxAbs)} toward {e.target.label}</span>
        <span>(solid underline: toward, dotted: against)</span>
      </div>
    </div>
  );
}

/** A prediction's label; a causal LM's next token is quoted so its leading space shows. */
function shownLabel(e: Explanation, label: string): string {
  return e.model.task === "text-generation" ? `“${label}”` : label;
}

function Predictions(
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

function AttentionView(
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

/** The widget: controls, heatmap, predictions, attention, progress and errors. */
export function View({ backend, config, onExplained }: ViewProps) {
  const [methods, setMethods] = useState<MethodInfo[] | undefined>(undefined);
  const [method, setMethod] = useState(config.method);
  const [text, setText] = useState(config.text);
  const [draft, setDraft] = useState(config.text);
  const [target, setTarget] = useState<{ label?: string; id?: number }>({ label: config.target });
  const [contrastId, setContrastId] = useState<number | undefined>(undefined);
  const [picks, setPicks] = useState<Record<string, number | undefined>>({});
  const [level, setLevel] = useState<Level>("token");
  const [explanation, setExplanation] = useState<Explanation | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [progress, setProgress] = useState<Progress | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  // Bumped by the Explain button, so that explaining the same text again retries it.
  const [runs, setRuns] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    backend.methods(controller.signal).then(setMethods, (err: Error) => {
      if (!controller.signal.aborted) setError(err.message);
    });
    return () => controller.abort();
  }, [backend]);

  const spec = methods?.find((m) => m.id === method);
  const attentionOptions = (spec?.options ?? []).filter((o) => ATTENTION_OPTIONS.includes(o.name));

  useEffect(() => {
    if (!text.trim()) return;
    const controller = new AbortController();
    const params: Record<string, unknown> = {};
    for (const o of attentionOptions) {
      if (picks[o.name] !== undefined) params[o.name] = picks[o.name];
    }
    const request: ExplainRequest = {
      text,
      model: config.model,
      method,
      target: target.label,
      targetId: target.id,
      contrastId,
      params,
    };
    setBusy(true);
    setProgress(undefined);
    backend.explain(request, controller.signal, setProgress).then((e) => {
      setExplanation(e);
      setError(undefined);
      setBusy(false);
      onExplained(e);
    }, (err: Error) => {
      if (controller.signal.aborted) return;
      // A stale heatmap next to the error would read as the answer to the new request.
      setExplanation(undefined);
      setError(err.message);
      setBusy(false);
      onExplained(err);
    });
    return () => controller.abort();
  }, [backend, text, method, target, contrastId, picks, runs]);

  return (
    <div class="gb" part="root" aria-busy={busy}>
      <form
        class="controls"
        part="controls"
        onSubmit={(ev) => {
          ev.preventDefault();
          setText(draft);
          setRuns(runs + 1);
        }}
      >
        {config.editable && (
          <div class="row">
            <label class="sr" for="gb-text">Text to explain</label>
            <textarea
              id="gb-text"
              value={draft}
              onInput={(ev) => setDraft((ev.currentTarget as HTMLTextAreaElement).value)}
              onKeyDown={(ev) => {
                // Enter types a newline; Ctrl+Enter (Cmd+Enter) explains, as in chat boxes.
                if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
                  ev.preventDefault();
                  setText(draft);
                  setRuns(runs + 1);
                }
              }}
            />
          </div>
        )}
        <div class="row">
          {config.editable && <button type="submit" class="go">Explain</button>}
          <label>
            Method{" "}
            <select
              value={method}
              onChange={(ev) => setMethod((ev.currentTarget as HTMLSelectElement).value)}
            >
              {(methods ?? [{ id: method } as MethodInfo]).map((m) => (
                <option key={m.id} value={m.id} title={m.description}>{m.id}</option>
              ))}
            </select>
          </label>
          <label>
            <input
              type="checkbox"
              checked={level === "word"}
              onChange={(ev) =>
                setLevel((ev.currentTarget as HTMLInputElement).checked ? "word" : "token")}
            />{" "}
            Whole words
          </label>
        </div>
      </form>
      {busy && (
        <progress
          part="progress"
          aria-label={`Computing ${method}`}
          max={progress?.total}
          value={progress?.done}
        />
      )}
      {error && <p class="err" role="alert" part="error">{error}</p>}
      {explanation && (
        <>
          <p class="meta" aria-live="polite">
            <b>{config.model ?? explanation.model.id}</b> · {explanation.method.id} · explaining
            {" "}
            <b>{shownLabel(explanation, explanation.target.label)}</b>
            {explanation.contrast && (
              <>
                {" "}rather than <b>{shownLabel(explanation, explanation.contrast.label)}</b>
              </>
            )} ({explanation.method.output})
          </p>
          <Heatmap e={explanation} level={level} />
          <Predictions
            e={explanation}
            onTarget={(id) => {
              setTarget({ id });
              if (id === contrastId) setContrastId(undefined);
            }}
            onContrast={setContrastId}
          />
          {explanation.attention && (
            <AttentionView
              e={explanation}
              options={attentionOptions}
              picks={picks}
              onPick={(name, v) => setPicks({ ...picks, [name]: v })}
            />
          )}
        </>
      )}
    </div>
  );
}
