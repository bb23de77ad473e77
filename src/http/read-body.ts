import { OAuthError } from './oauth-error.ts';

/** Reads at most `max` bytes of the body; a larger body is refused with 413 before it is buffered whole. */
export async function readBodyText(req: Request, max: number): Promise<string> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > max) throw new OAuthError('payload_too_large', `request body exceeds ${max} bytes`);
  if (!req.body) return '';
  // A declared length is enforced by the HTTP layer (Node's parser and Workers read exactly that
  // many bytes), so such a body can be read whole; only a chunked body is counted as it streams.
  if (declared !== null) return decode(new Uint8Array(await req.arrayBuffer()));
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new OAuthError('payload_too_large', `request body exceeds ${max} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.byteLength;
  }
  return decode(all);
}

function decode(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new OAuthError('invalid_request', 'request body is not UTF-8');
  }
}

/**
 * An `application/x-www-form-urlencoded` body as a map. RFC 6749 §3.1: a parameter sent more than
 * once is an error, because which copy wins is exactly what an attacker would like to choose.
 */
export async function readForm(req: Request, max: number): Promise<Map<string, string>> {
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw new OAuthError('invalid_request', 'content-type must be application/x-www-form-urlencoded');
  const params = new URLSearchParams(await readBodyText(req, max));
  const out = new Map<string, string>();
  for (const [k, v] of params) {
    if (out.has(k)) throw new OAuthError('invalid_request', `parameter ${safeName(k)} is repeated`);
    out.set(k, v);
  }
  return out;
}

export async function readJson(req: Request, max: number): Promise<unknown> {
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new OAuthError('unsupported_media_type', 'content-type must be application/json');
  const text = await readBodyText(req, max);
  try {
    return JSON.parse(text);
  } catch {
    throw new OAuthError('invalid_request', 'body is not valid JSON');
  }
}

/** Parameter names echoed in errors are bounded and stripped of anything but word characters. */
export function safeName(s: string): string {
  return s.slice(0, 64).replace(/[^A-Za-z0-9_.-]/g, '?');
}
