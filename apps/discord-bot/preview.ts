/**
 * A picture of a reply as a Discord client shows it (dark theme: avatar, bot name, message text
 * with its bold and code spans, the attached picture), for the local mode and the README. It is
 * drawn as SVG and rasterized by `@glassbox/render`'s resvg, so it needs no browser.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { svgToPng } from "@glassbox/render";
import type { Reply } from "./answer.ts";

/** Options of {@link renderReplyPreview}. */
export interface PreviewOptions {
  /** The bot's display name. @default "glassbox" */
  botName?: string;
  /** Pixel scale. @default 1 */
  scale?: number;
}

const COLORS = {
  background: "#313338",
  text: "#dbdee1",
  muted: "#949ba4",
  name: "#f2f3f5",
  code: "#e9a8ff",
  blurple: "#5865f2",
};
const LINE_HEIGHT = 22;
/** DejaVu Sans at 15 px averages about 8.5 px a character: the basis of line wrapping. */
const CHAR_WIDTH = 8.5;

function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

interface Span {
  text: string;
  bold: boolean;
  code: boolean;
}

/** Splits Discord markdown (`**bold**`, `` `code` ``, backslash escapes) into styled spans. */
export function markdownSpans(line: string): Span[] {
  const spans: Span[] = [];
  let bold = false, code = false, text = "";
  const flush = () => {
    if (text) spans.push({ text, bold, code });
    text = "";
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\" && !code && i + 1 < line.length) text += line[++i];
    else if (c === "`") flush(), code = !code;
    else if (c === "*" && line[i + 1] === "*" && !code) flush(), bold = !bold, i++;
    else text += c;
  }
  flush();
  return spans;
}

/** Wraps the spans of one line at word boundaries to about `chars` characters. */
function wrap(spans: Span[], chars: number): Span[][] {
  const lines: Span[][] = [[]];
  let used = 0;
  for (const span of spans) {
    for (const word of span.text.split(/(?<= )/)) {
      if (used + word.length > chars && used > 0) lines.push([]), used = 0;
      lines.at(-1)!.push({ ...span, text: word });
      used += word.length;
    }
  }
  return lines;
}

function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Draws a reply the way Discord shows it. Call `initRenderer()` of `@glassbox/render` first.
 *
 * @returns PNG bytes.
 */
export function renderReplyPreview(
  reply: Reply,
  options: PreviewOptions = {},
): Promise<Uint8Array> {
  const name = options.botName ?? "glassbox";
  const left = 72, top = 16;
  const image = reply.image ? pngSize(reply.image.data) : undefined;
  const width = Math.max(left + (image?.width ?? 0) + 24, 760);
  const parts: string[] = [];
  let y = top + 16;
  // The name is bold DejaVu Sans at 16 px: about 10 px a character, enough to place the APP tag.
  const tagX = left + name.length * 10 + 6;
  parts.push(
    `<circle cx="36" cy="${top + 20}" r="20" fill="${COLORS.blurple}"/>`,
    `<text x="36" y="${top + 26}" font-size="15" font-weight="bold" fill="#fff" ` +
      `text-anchor="middle">gb</text>`,
    `<text x="${left}" y="${y}" font-size="16" fill="${COLORS.name}" stroke="${COLORS.name}" ` +
      `stroke-width="0.6">` +
      `${xml(name)}</text>`,
    `<rect x="${tagX}" y="${y - 13}" width="32" height="15" rx="3" fill="${COLORS.blurple}"/>`,
    `<text x="${tagX + 16}" y="${y - 2}" font-size="10" font-weight="bold" fill="#fff" ` +
      `text-anchor="middle">APP</text>`,
    `<text x="${tagX + 42}" y="${y}" font-size="12" fill="${COLORS.muted}">Today at 12:00</text>`,
  );
  y += 8;
  const lines = reply.content.split("\n").flatMap((line) =>
    wrap(markdownSpans(line), Math.floor((width - left - 16) / CHAR_WIDTH))
  );
  if (reply.ephemeral) lines.push([{ text: "Only you can see this", bold: false, code: false }]);
  for (const [index, line] of lines.entries()) {
    y += LINE_HEIGHT;
    const muted = reply.ephemeral && index === lines.length - 1;
    const tspans = line.map((span) => {
      const fill = muted ? COLORS.muted : span.code ? COLORS.code : COLORS.text;
      // The bundled DejaVu Sans has no bold face and resvg does not synthesize one: a thin
      // outline of the same colour stands in for it.
      const weight = span.bold ? ` stroke="${fill}" stroke-width="0.6"` : "";
      return `<tspan fill="${fill}"${weight}>${xml(span.text)}</tspan>`;
    });
    parts.push(
      `<text x="${left}" y="${y}" font-size="15" xml:space="preserve">${tspans.join("")}</text>`,
    );
  }
  y += 12;
  if (reply.image && image) {
    const href = `data:image/png;base64,${Buffer.from(reply.image.data).toString("base64")}`;
    parts.push(
      `<clipPath id="corners"><rect x="${left}" y="${y}" width="${image.width}" height="${image.height}" rx="8"/></clipPath>`,
      `<image x="${left}" y="${y}" width="${image.width}" height="${image.height}" href="${href}" clip-path="url(#corners)"/>`,
    );
    y += image.height;
  }
  const height = y + 16;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans">` +
    `<rect width="${width}" height="${height}" fill="${COLORS.background}"/>${
      parts.join("")
    }</svg>`;
  return svgToPng(svg, options.scale ?? 1);
}
