/** Thrown when a body is longer than the caller allowed. */
export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

/**
 * Reads a request or response body as UTF-8, refusing it once it exceeds `limit` bytes. Bytes are
 * counted as they arrive because Content-Length may be absent (chunked) or false; a declared
 * length over the limit is refused before reading. Throws BodyTooLarge, or TypeError for invalid UTF-8.
 */
export async function readBoundedText(res: Request | Response, limit: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => {});
    throw new BodyTooLarge();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return UTF8.decode(chunks[0]);
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return UTF8.decode(all);
}

/**
 * A request body as UTF-8, at most `limit` bytes, as readBoundedText. When the request declares a
 * Content-Length within the limit, the runtime's own whole-body reader is used (on Node it reads
 * the socket directly, without building a web stream per request): the HTTP parser (Node's llhttp,
 * workerd) never delivers more body than the declared length. The length read is checked again,
 * so a Request built in process with a false header is still refused.
 */
export async function readBoundedRequestText(req: Request, limit: number): Promise<string> {
  const declared = req.headers.get('content-length');
  if (declared === null || !DECIMAL.test(declared) || Number(declared) > limit) return readBoundedText(req, limit);
  const bytes = await req.arrayBuffer();
  if (bytes.byteLength > limit) throw new BodyTooLarge();
  return UTF8.decode(bytes);
}

const DECIMAL = /^[0-9]{1,15}$/;

// One decoder for every body: decode() without `stream` keeps no state between calls.
const UTF8 = new TextDecoder('utf-8', { fatal: true });
