/**
 * The widget's view, one Preact component for both modes: controls (text, method, word level), the
 * token heatmap with tooltips and keyboard navigation, the legend, top-k prediction bars that pick
 * the target and contrast, an attention matrix for methods that return one, progress and errors.
 * It owns no I/O: it asks its {@link Backend} and reports each explanation through `onExplained`.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import type { Explanation } from "@glassbox/core";
import type { Level } from "@glassbox/render/units";
import { ATTENTION_OPTIONS, AttentionView } from "./attention_view.tsx";
import type { Backend, ExplainRequest, MethodInfo, Progress } from "./backend.ts";
import { Predictions, shownLabel } from "./predictions.tsx";
import { Heatmap } from "./token_heatmap.tsx";

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
