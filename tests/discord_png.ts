/**
 * Reads what the Discord tests check in a PNG: the signature, the IHDR dimensions, and how many
 * distinct colours the decoded pixels hold (a blank or broken picture has one or two).
 *
 * @module
 */

/** What {@link inspectPng} finds. */
export interface PngInfo {
  width: number;
  height: number;
  /** Distinct RGB(A) pixel values. */
  colors: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Checks a PNG's signature and IHDR and decodes its pixels (8-bit RGB or RGBA, no interlace: what
 * resvg writes).
 *
 * @throws {Error} Saying what is wrong when the bytes are not such a PNG.
 */
export async function inspectPng(bytes: Uint8Array): Promise<PngInfo> {
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new Error("Not a PNG: the 8-byte signature is missing");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number) => String.fromCharCode(...bytes.subarray(at + 4, at + 8));
  if (type(8) !== "IHDR") throw new Error("Not a PNG: the first chunk is not IHDR");
  const width = view.getUint32(16), height = view.getUint32(20);
  const depth = bytes[24], colorType = bytes[25], interlace = bytes[28];
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  if (depth !== 8 || channels === 0 || interlace !== 0) {
    throw new Error(`Unexpected PNG format: depth ${depth}, colour type ${colorType}`);
  }
  const idat: Uint8Array<ArrayBuffer>[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = view.getUint32(at);
    if (type(at) === "IDAT") idat.push(bytes.slice(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = new Uint8Array(
    await new Response(new Blob(idat).stream().pipeThrough(new DecompressionStream("deflate")))
      .arrayBuffer(),
  );
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) {
    throw new Error(`PNG data is ${raw.length} bytes, expected ${height * (stride + 1)}`);
  }
  const colors = new Set<number>();
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[x - channels] : 0;
      const b = previous[x];
      const c = x >= channels ? previous[x - channels] : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      out[x] = (line[x] + predictor) & 0xff;
    }
    for (let x = 0; x < stride; x += channels) {
      colors.add((out[x] << 16) | (out[x + 1] << 8) | out[x + 2]);
    }
    previous = out;
  }
  return { width, height, colors: colors.size };
}
