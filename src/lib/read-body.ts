import { BodyTooLarge, readBoundedRequestText } from './read-bounded.ts';
import { OAuthError } from './oauth-error.ts';

/** Reads at most `max` bytes of the body; a larger body is refused with 413 before it is buffered whole. */
export async function readBodyText(req: Request, max: number): Promise<string> {
  try {
    return await readBoundedRequestText(req, max);
  } catch (e) {
    if (e instanceof BodyTooLarge) throw new OAuthError('payload_too_large', `request body exceeds ${max} bytes`);
    if (e instanceof TypeError) throw new OAuthError('invalid_request', 'request body is not UTF-8');
    throw e;
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
