/**
 * The widget's token heatmap: one chip per token or word, coloured on the shared diverging palette,
 * navigable with the arrow keys as a listbox, with a tooltip that shows the score, its direction and
 * the pieces of the word, and the legend of the scale.
 *
 * @module
 */
import { useMemo, useRef, useState } from "preact/hooks";
import type { Explanation } from "@glassbox/core";
import {
  formatScore,
  maxAbsScore,
  rgbToHex,
  scoreColor,
  textColorOn,
} from "@glassbox/render/palette";
import { type DisplayUnit, displayUnits, type Level } from "@glassbox/render/units";

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
/** The chips of an explanation, with their tooltip and the legend. */
export function Heatmap({ e, level }: { e: Explanation; level: Level }) {
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
