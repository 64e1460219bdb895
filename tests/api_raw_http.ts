/**
 * HTTP/1.1 over a raw TCP connection, for tests that must control when each byte of a request is
 * sent (slow and stalled bodies, paced chunked uploads), which `fetch` does not allow.
 *
 * @module
 */

/** An HTTP answer read off a raw socket. */
export interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/** The data of a chunked body. */
function dechunk(body: string): string {
  let out = "";
  for (let at = 0;;) {
    const eol = body.indexOf("\r\n", at);
    const size = parseInt(body.slice(at, eol), 16);
    if (!size) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** Reads one HTTP/1.1 answer (Content-Length or close-delimited) from a raw connection. */
export async function readAnswer(conn: Deno.Conn): Promise<RawAnswer | undefined> {
  const decoder = new TextDecoder();
  let text = "";
  const buffer = new Uint8Array(64 * 1024);
  for (;;) {
    const end = text.indexOf("\r\n\r\n");
    if (end >= 0) {
      const headers = text.slice(0, end);
      const length = Number(headers.match(/content-length:\s*(\d+)/i)?.[1] ?? NaN);
      const body = text.slice(end + 4);
      if (/transfer-encoding:\s*chunked/i.test(headers) && /(^|\r\n)0\r\n\r\n$/.test(body)) {
        return { status: Number(headers.split(" ")[1]), headers, body: dechunk(body) };
      }
      if (text.length - end - 4 >= length) {
        return {
          status: Number(headers.split(" ")[1]),
          headers,
          body: text.slice(end + 4, end + 4 + length),
        };
      }
    }
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch {
      n = null;
    }
    if (n === null) {
      if (end < 0) return undefined;
      const headers = text.slice(0, end);
      return { status: Number(headers.split(" ")[1]), headers, body: text.slice(end + 4) };
    }
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
  }
}

/** Opens a connection to a server's origin and sends a request head. */
export async function sendHead(
  origin: string,
  lines: string[],
): Promise<Deno.Conn> {
  const { hostname, port } = new URL(origin);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  await conn.write(
    new TextEncoder().encode(
      [...lines.slice(0, 1), `Host: ${hostname}:${port}`, ...lines.slice(1)]
        .join("\r\n") + "\r\n\r\n",
    ),
  );
  return conn;
}
