/**
 * The corpus report: one self-contained HTML page (inline CSS and SVG, no script, no external
 * resource) with, per method, the top positive and negative words of every predicted label as
 * diverging bar charts, the distributions of the faithfulness scores as histograms, the mean agreement
 * between methods, heat maps of attention statistics per layer and head when they were collected, and
 * resident memory over the run.
 * Colours follow the renderers' BuRd convention: red pushes toward the label, blue away from it.
 *
 * @module
 */
import type { Histogram, WordStat } from "./aggregate.ts";
import type { CorpusSummary } from "./corpus.ts";

const RED = "#B2182B", BLUE = "#2166AC", GREY = "#666";

/** Escapes text for HTML and SVG. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const num = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

/** Diverging horizontal bars: positive words (red, right) above negative words (blue, left). */
function wordChart(title: string, positive: WordStat[], negative: WordStat[]): string {
  const rows = [...positive, ...negative.slice().reverse()];
  if (rows.length === 0) {
    return `<figure><figcaption>${
      escapeXml(title)
    }</figcaption><p class="empty">No word occurs often enough yet.</p></figure>`;
  }
  const rowHeight = 18, label = 120, half = 150, top = 8;
  const width = label * 2 + half * 2, height = top + rows.length * rowHeight + 8;
  const scale = Math.max(...rows.map((r) => Math.abs(r.mean))) || 1;
  const mid = label + half;
  const bars = rows.map((r, i) => {
    const y = top + i * rowHeight;
    const w = (Math.abs(r.mean) / scale) * (half - 4);
    const x = r.mean >= 0 ? mid : mid - w;
    const textX = r.mean >= 0 ? mid - 6 : mid + 6;
    const anchor = r.mean >= 0 ? "end" : "start";
    return `<g><title>${escapeXml(r.word)}: mean ${num(r.mean)}, mean |a| ${
      num(r.meanAbs)
    }, ${r.count}x</title>` +
      `<rect x="${x.toFixed(1)}" y="${y + 2}" width="${w.toFixed(1)}" height="${
        rowHeight - 4
      }" fill="${r.mean >= 0 ? RED : BLUE}"/>` +
      `<text x="${textX}" y="${y + rowHeight - 5}" text-anchor="${anchor}">${
        escapeXml(r.word)
      }</text>` +
      `<text x="${r.mean >= 0 ? x + w + 4 : x - 4}" y="${y + rowHeight - 5}" text-anchor="${
        r.mean >= 0 ? "start" : "end"
      }" class="value">${num(r.mean, 2)}</text></g>`;
  }).join("");
  return `<figure><figcaption>${escapeXml(title)}</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${
      escapeXml(title)
    }">` +
    `<line x1="${mid}" y1="0" x2="${mid}" y2="${height}" stroke="${GREY}" stroke-width="1"/>${bars}</svg></figure>`;
}

/** A histogram with its mean marked. */
function histogramChart(title: string, h: Histogram): string {
  const width = 260, height = 120, pad = 20;
  const max = Math.max(1, ...h.counts);
  const bw = (width - 2 * pad) / h.counts.length;
  const bars = h.counts.map((c, i) => {
    const bh = (c / max) * (height - 2 * pad);
    return `<rect x="${(pad + i * bw).toFixed(1)}" y="${(height - pad - bh).toFixed(1)}" width="${
      (bw - 1).toFixed(1)
    }" height="${bh.toFixed(1)}" fill="${BLUE}"><title>${c}</title></rect>`;
  }).join("");
  const at = (x: number) => pad + ((x - h.min) / (h.max - h.min)) * (width - 2 * pad);
  const mean = Number.isFinite(h.mean)
    ? `<line x1="${at(h.mean).toFixed(1)}" y1="${pad - 6}" x2="${at(h.mean).toFixed(1)}" y2="${
      height - pad
    }" stroke="${RED}" stroke-width="2"/>`
    : "";
  return `<figure><figcaption>${escapeXml(title)}: mean ${num(h.mean)} (n ${h.n})</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${
      escapeXml(title)
    }">` +
    `${bars}${mean}<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${
      height - pad
    }" stroke="${GREY}"/>` +
    `<text x="${pad}" y="${height - 4}" text-anchor="middle">${h.min}</text>` +
    `<text x="${width - pad}" y="${
      height - 4
    }" text-anchor="middle">${h.max}</text></svg></figure>`;
}

/** Resident memory against items done. */
function memoryChart(samples: CorpusSummary["memory"]): string {
  if (samples.length < 2) return "";
  const width = 520, height = 140, pad = 30;
  const maxItems = Math.max(1, ...samples.map((s) => s.items));
  const maxRss = Math.max(1, ...samples.map((s) => s.rssMB)) * 1.1;
  const points = samples.map((s) =>
    `${(pad + (s.items / maxItems) * (width - 2 * pad)).toFixed(1)},${
      (height - pad - (s.rssMB / maxRss) * (height - 2 * pad)).toFixed(1)
    }`
  ).join(" ");
  return `<figure><figcaption>Resident memory (MB) by items done</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="memory">` +
    `<polyline points="${points}" fill="none" stroke="${BLUE}" stroke-width="2"/>` +
    `<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${
      height - pad
    }" stroke="${GREY}"/>` +
    `<text x="${pad}" y="${height - 10}">0</text><text x="${width - pad}" y="${
      height - 10
    }" text-anchor="end">${maxItems} items</text>` +
    `<text x="${pad}" y="${pad - 8}">${num(maxRss / 1.1, 0)} MB peak</text></svg></figure>`;
}

/** One statistic of every layer (rows) and head (columns) as a heat map, darker = larger. */
function attentionHeatmap(
  title: string,
  attention: CorpusSummary["attention"],
  stat: "entropy" | "special" | "self",
): string {
  const cells = Object.entries(attention).map(([key, a]) => {
    const [layer, head] = key.split("/").map(Number);
    return { layer, head, value: a[stat] };
  });
  const layers = Math.max(...cells.map((c) => c.layer)) + 1;
  const heads = Math.max(...cells.map((c) => c.head)) + 1;
  const size = 34, left = 56, top = 20;
  const width = left + heads * size + 8, height = top + layers * size + 8;
  // Shade from the smallest to the largest value: heads often differ by a few hundredths.
  const min = Math.min(...cells.map((c) => c.value)), max = Math.max(...cells.map((c) => c.value));
  const rects = cells.map((c) => {
    const t = max > min ? (c.value - min) / (max - min) : 1;
    const x = left + c.head * size, y = top + c.layer * size;
    return `<rect x="${x}" y="${y}" width="${size - 2}" height="${
      size - 2
    }" fill="${BLUE}" fill-opacity="${
      (0.08 + 0.92 * t).toFixed(3)
    }"><title>layer ${c.layer} head ${c.head}: ${num(c.value)}</title></rect>` +
      `<text x="${x + size / 2 - 1}" y="${y + size / 2 + 3}" text-anchor="middle" class="${
        t > 0.55 ? "light" : ""
      }">${num(c.value, 2)}</text>`;
  }).join("");
  const axes = Array.from(
    { length: layers },
    (_, l) =>
      `<text x="${left - 6}" y="${
        top + l * size + size / 2 + 3
      }" text-anchor="end">layer ${l}</text>`,
  )
    .join("") +
    Array.from(
      { length: heads },
      (_, h) =>
        `<text x="${left + h * size + size / 2 - 1}" y="${
          top - 6
        }" text-anchor="middle">h${h}</text>`,
    )
      .join("");
  return `<figure><figcaption>${escapeXml(title)}</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${
      escapeXml(title)
    }">${axes}${rects}</svg></figure>`;
}

function attentionSection(attention: CorpusSummary["attention"]): string {
  if (Object.keys(attention).length === 0) return "";
  const n = Math.max(...Object.values(attention).map((a) => a.n));
  return `<section><h2>Attention by layer and head</h2><p>Means over ${n} items of the model's attention probabilities.</p>` +
    `<div class="row">${attentionHeatmap("Mean row entropy (nats)", attention, "entropy")}${
      attentionHeatmap("Mass on special tokens", attention, "special")
    }${attentionHeatmap("Mass on the token itself", attention, "self")}</div></section>`;
}

function agreementTable(agreement: CorpusSummary["agreement"]): string {
  const rows = Object.entries(agreement).map(([pair, a]) => {
    const [x, y] = pair.split("~");
    return `<tr><td>${escapeXml(x)}</td><td>${escapeXml(y)}</td><td>${
      num(a.spearman)
    }</td><td>${a.n}</td></tr>`;
  }).join("");
  return rows
    ? `<section><h2>Method agreement</h2><p>Spearman rank correlation of |attribution| over the words of each item, averaged.</p>` +
      `<table><thead><tr><th>method</th><th>method</th><th>mean Spearman</th><th>items</th></tr></thead><tbody>${rows}</tbody></table></section>`
    : "";
}

const FAITHFULNESS_TITLES: Record<string, string> = {
  comprehensiveness: "Comprehensiveness AOPC (higher is better)",
  sufficiency: "Sufficiency AOPC (lower is better)",
  deletion: "Deletion AUC (lower is better)",
  insertion: "Insertion AUC (higher is better)",
};

/**
 * Renders the corpus summary as a self-contained HTML page.
 *
 * @param summary What {@link explainCorpus} wrote to `summary.json`.
 * @returns The HTML document.
 */
export function renderReport(summary: CorpusSummary): string {
  const sections = Object.entries(summary.perMethod).map(([method, m]) => {
    const labels = Object.entries(m.labels).sort((a, b) => b[1].items - a[1].items).slice(0, 20);
    const words = labels.map(([label, l]) =>
      wordChart(
        `${label} (${l.items} items, ${l.distinctWords} distinct words)`,
        l.topPositive,
        l.topNegative,
      )
    ).join("");
    const faith = m.faithfulness
      ? `<h3>Faithfulness of each explanation</h3><div class="row">${
        Object.entries(m.faithfulness).map(([k, h]) =>
          histogramChart(FAITHFULNESS_TITLES[k] ?? k, h)
        ).join("")
      }</div>`
      : "";
    return `<section><h2>${escapeXml(method)}</h2><p>${m.items} items, ${
      num(m.meanElapsedMs, 1)
    } ms per explanation.</p>` +
      `<h3>Top words per predicted label (mean attribution)</h3><div class="row">${words}</div>${faith}</section>`;
  }).join("");
  const labels = Object.entries(summary.labels).map(([l, n]) => `${escapeXml(l)}: ${n}`).join(", ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>glassbox corpus report: ${
    escapeXml(summary.model.id)
  }</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1200px}
h1{font-size:1.4rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem}
.row{display:flex;flex-wrap:wrap;gap:1.5rem}figure{margin:0}figcaption{font-size:.85rem;color:#444;margin-bottom:.2rem}
svg text{font-size:11px;fill:#222}svg text.light{fill:#fff}svg text.value{fill:#666;font-size:10px}
table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:right}
td:first-child,th:first-child{text-align:left}.empty{color:#888}
</style></head><body>
<h1>Corpus report: ${escapeXml(summary.model.id)} (${escapeXml(summary.model.task)})</h1>
<p>${summary.items} items from <code>${escapeXml(summary.input)}</code>${
    summary.errors ? `, ${summary.errors} could not be explained` : ""
  }${summary.complete ? "" : " (incomplete run)"}. Predicted labels: ${
    labels || "none"
  }. Methods: ${summary.methods.map(escapeXml).join(", ")}.</p>
${summary.notices?.map((n) => `<p class="notice">${escapeXml(n)}</p>`).join("") ?? ""}
${sections}
${agreementTable(summary.agreement ?? {})}
${attentionSection(summary.attention ?? {})}
<section><h2>Run</h2>${memoryChart(summary.memory)}<p>${
    num(summary.elapsedMs / 1000, 1)
  } s in the last session${
    summary.resumed ? `, resumed after ${summary.resumed} items` : ""
  }.</p></section>
</body></html>
`;
}
