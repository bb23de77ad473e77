import { TollgateError, type TollgateErrorCode } from './errors.ts';

// The HTTP plumbing every client call shares: an injected fetch, bounded answers, and one
// mapping from a refused answer to a TollgateError.

/**
 * What the client calls to reach Tollgate: the global `fetch` by default, or anything that
 * answers a Request, such as a Hono app's `app.fetch` or a fetch with its own agent or mTLS.
 */
export type Fetch = (request: Request) => Response | Promise<Response>;

const KNOWN = new Set<string>([
  'invalid_request', 'invalid_client', 'invalid_grant', 'invalid_token', 'unauthorized_client', 'unsupported_grant_type',
  'unsupported_token_type', 'invalid_scope', 'insufficient_scope', 'invalid_target', 'access_denied', 'authorization_pending',
  'slow_down', 'expired_token', 'temporarily_unavailable', 'server_error', 'not_found', 'conflict', 'payload_too_large',
  'unsupported_media_type',
]);

/** Largest answer body the client reads; Tollgate's answers are a few kilobytes. */
export const MAX_ANSWER_BYTES = 256 * 1024;

/** `${base}${path}`, with the base's trailing slashes dropped. */
export function endpoint(base: string | URL, path: string): string {
  return String(base).replace(/\/+$/, '') + path;
}

/** fetch, with "no answer at all" turned into a TollgateError (the cause kept, never the request). */
export async function send(fetchFn: Fetch | undefined, url: string, init: RequestInit): Promise<Response> {
  try {
    const request = new Request(url, init);
    return await (fetchFn ? fetchFn(request) : globalThis.fetch(request));
  } catch (e) {
    if (init.signal?.aborted) throw new TollgateError('aborted', 'the request was aborted', { cause: e });
    throw new TollgateError('network_error', `no answer from ${new URL(url).origin}`, { cause: e });
  }
}

/** The JSON object of a 2xx answer, or the TollgateError of any other. */
export async function jsonOrError(res: Response): Promise<Record<string, unknown>> {
  if (!res.ok) throw await errorFromResponse(res);
  let body: unknown;
  try {
    body = JSON.parse(await readText(res, MAX_ANSWER_BYTES));
  } catch (e) {
    if (e instanceof TollgateError) throw e;
    throw new TollgateError('invalid_response', 'the answer is not JSON', { status: res.status });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TollgateError('invalid_response', 'the answer is not a JSON object', { status: res.status });
  return body as Record<string, unknown>;
}

const MAX_ERROR_BODY = 16 * 1024;
const MAX_DESCRIPTION = 512;

/**
 * The error of a non-2xx answer. Only the documented fields of the body are read; an
 * unrecognised body becomes a code derived from the status.
 */
export async function errorFromResponse(res: Response): Promise<TollgateError> {
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
  let body: unknown = null;
  try {
    const text = await readText(res, MAX_ERROR_BODY);
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const o = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = typeof o.error === 'string' && KNOWN.has(o.error) ? (o.error as TollgateErrorCode) : fallbackCode(res.status);
  const description = typeof o.error_description === 'string' ? clean(o.error_description) : `HTTP ${res.status}`;
  const approvalId = typeof o.approval_id === 'string' && o.approval_id.length <= 128 ? o.approval_id : undefined;
  return new TollgateError(code, description, {
    status: res.status,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    ...(approvalId ? { approvalId } : {}),
  });
}

function fallbackCode(status: number): TollgateErrorCode {
  if (status === 503) return 'temporarily_unavailable';
  if (status >= 500) return 'server_error';
  if (status === 401) return 'invalid_client';
  if (status === 403) return 'access_denied';
  if (status === 404) return 'not_found';
  if (status === 413) return 'payload_too_large';
  return 'invalid_response';
}

function parseRetryAfter(v: string | null): number | undefined {
  if (v === null || !/^\d{1,6}$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

// A description goes into messages and logs: printable, one line, bounded.
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').slice(0, MAX_DESCRIPTION);
}

/** The body as text, refusing more than `max` bytes (an answer is never trusted to be small). */
export async function readText(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new TollgateError('invalid_response', `answer larger than ${max} bytes`, { status: res.status });
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}
