import { IdentityError } from './identity-error.ts';

/** What can be read from a token before any key is touched. Nothing here is trusted yet. */
export interface InspectedToken {
  header: Record<string, unknown>;
  alg: string;
  /** the unverified `iss`: only used to choose which issuer's keys and rules apply */
  issuer: string;
}

/** The algorithms any issuer may be configured with: asymmetric only (no HS*, no none). */
export const SUPPORTED_ALGORITHMS: ReadonlySet<string> = new Set([
  'ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA',
]);

/** A real protected header is ~100 bytes; anything near this is an attack or a certificate chain. */
const MAX_HEADER_CHARS = 2048;
/** Headers that carry or point at a key: the token must never choose its own key (RFC 8725 §3.10). */
const EMBEDDED_KEY_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;
const B64URL = /^[A-Za-z0-9_-]*$/;

const fail = (code: IdentityError['code'], message: string) => new IdentityError(code, message);

/**
 * The cheap checks, cheapest first, so hostile input is refused before jose and before any
 * key lookup: type, size, shape, then the protected header, then the unverified `iss`.
 */
export function inspectToken(token: unknown, maxTokenBytes: number): InspectedToken {
  if (typeof token !== 'string') throw fail('malformed', 'token must be a string');
  // UTF-16 length ≤ UTF-8 length, so the char count is a free lower bound before encoding.
  if (token.length > maxTokenBytes || new TextEncoder().encode(token).byteLength > maxTokenBytes) {
    throw fail('token_too_large', `token exceeds ${maxTokenBytes} bytes`);
  }
  if (token.length === 0) throw fail('malformed', 'token is empty');
  const parts = token.split('.');
  if (parts.length === 5) throw fail('unsupported_token', 'encrypted (JWE) tokens are not accepted');
  if (parts.length !== 3) throw fail('malformed', 'token is not a compact JWS');
  const [h, p, s] = parts as [string, string, string];
  if (!B64URL.test(h) || !B64URL.test(p) || !B64URL.test(s)) throw fail('malformed', 'token is not base64url');
  if (h.length === 0 || p.length === 0) throw fail('malformed', 'token has an empty part');
  if (h.length > MAX_HEADER_CHARS) throw fail('malformed', 'token header is too large');

  const header = decodeJsonObject(h, 'header');
  for (const name of EMBEDDED_KEY_HEADERS) {
    if (Object.hasOwn(header, name)) throw fail('embedded_key', `token header "${name}" is not accepted`);
  }
  // We understand no extensions, so any `crit` list must be refused (RFC 7515 §4.1.11).
  if (Object.hasOwn(header, 'crit')) throw fail('crit_unsupported', 'token header "crit" is not supported');
  const cty = header.cty;
  if (typeof cty === 'string' && /^(application\/)?jwt$/i.test(cty)) {
    throw fail('unsupported_token', 'nested tokens are not accepted');
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === '') throw fail('malformed', 'token header has no "alg"');
  // Explicit so `none`, `None`, `NONE`… can never depend on a library's list.
  if (alg.toLowerCase() === 'none') throw fail('alg_not_allowed', 'unsigned tokens are not accepted');
  if (!SUPPORTED_ALGORITHMS.has(alg)) throw fail('alg_not_allowed', 'token algorithm is not allowed');
  if (s.length === 0) throw fail('malformed', 'token has no signature');

  const payload = decodeJsonObject(p, 'payload');
  const issuer = payload.iss;
  if (issuer === undefined) throw fail('missing_claim', 'token has no "iss" claim');
  if (typeof issuer !== 'string' || issuer === '') throw fail('malformed', 'token "iss" is not a string');
  return { header, alg, issuer };
}

function decodeJsonObject(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64urlDecode(part)));
  } catch {
    throw fail('malformed', `token ${what} is not base64url JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail('malformed', `token ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function base64urlDecode(s: string): Uint8Array {
  if (s.length % 4 === 1) throw new Error('bad base64url length');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
