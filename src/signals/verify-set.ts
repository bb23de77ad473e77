import { decodeProtectedHeader } from 'jose';
import type { Deps } from '../deps.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { IdentityError, type IdentityErrorCode } from '../identity/identity-error.ts';
import type { VerifiedToken } from '../identity/trust-registry.ts';
import { SetError, type SetErrorCode } from './set-error.ts';

/** RFC 8417 §2.3: the media type of a SET, as the JWS `typ` says it (with or without `application/`). */
const SET_TYP = /^(application\/)?secevent\+jwt$/i;
/** SSF puts one event in a SET; RFC 8417 allows a few statements about one logical event. */
const MAX_EVENTS = 8;
const MAX_JTI_CHARS = 256;
const MAX_EVENT_URI_CHARS = 256;
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

export interface VerifiedSet {
  issuer: string;
  /** the configured name of the transmitter */
  issuerName: string;
  jti: string;
  /** epoch ms */
  issuedAt: number;
  /** SSF's top-level subject (RFC 9493), unparsed; undefined when absent */
  subId: unknown;
  /** event type URI → its payload, in the token's order */
  events: [string, Record<string, unknown>][];
}

/**
 * Verifies a SET from a transmitter configured as a trusted issuer of kind `signals`: the trust
 * registry checks signature, algorithm, `iss`, `aud` and times; this adds what makes it a SET and
 * not some other JWT (RFC 8417 §2.2, §4; SSF 1.0): `typ`, `jti`, an `events` object, no `sub`
 * (the subject is in `sub_id` or the event), and an age bound from `iat` (SETs carry no `exp`).
 */
export async function verifySet(deps: Deps, token: string): Promise<VerifiedSet> {
  let v: VerifiedToken;
  try {
    v = await deps.trust.verify(token, ['signals']);
  } catch (e) {
    if (e instanceof IdentityError) {
      if (e.temporary) throw new OAuthError('temporarily_unavailable', 'transmitter keys unavailable');
      throw new SetError(SET_ERROR[e.code] ?? 'invalid_request', e.message.replace(/^token/, 'SET'));
    }
    throw e;
  }
  const typ = decodeProtectedHeader(token).typ;
  if (typeof typ !== 'string' || !SET_TYP.test(typ)) throw new SetError('invalid_request', 'SET "typ" header must be secevent+jwt');
  const c = v.claims;
  // An ID or access token has `sub`; a SET names its subject elsewhere. Refusing `sub` keeps
  // either from being taken for the other (RFC 8417 §4.3).
  if (c.sub !== undefined) throw new SetError('invalid_request', 'a SET names its subject in "sub_id" or the event, not "sub"');
  const { jti, iat } = c;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_CHARS || !VISIBLE_ASCII.test(jti))
    throw new SetError('invalid_request', `SET "jti" must be 1-${MAX_JTI_CHARS} visible ASCII characters`);
  const limits = deps.config.server.limits;
  if (typeof iat !== 'number' || Math.floor(deps.now() / 1000) - iat > limits.max_signal_age + limits.clock_skew)
    throw new SetError('invalid_request', 'SET is too old ("iat" beyond the accepted age)');
  const subId = c.sub_id;
  if (subId !== undefined && !isObject(subId)) throw new SetError('invalid_request', 'SET "sub_id" must be an object');
  return { issuer: v.issuer, issuerName: v.issuerName, jti, issuedAt: iat * 1000, subId, events: parseEvents(c.events) };
}

function parseEvents(events: unknown): [string, Record<string, unknown>][] {
  if (!isObject(events)) throw new SetError('invalid_request', 'SET "events" must be an object');
  const entries = Object.entries(events);
  if (entries.length === 0) throw new SetError('invalid_request', 'SET "events" is empty');
  if (entries.length > MAX_EVENTS) throw new SetError('invalid_request', `SET has more than ${MAX_EVENTS} events`);
  return entries.map(([uri, payload]) => {
    if (uri.length > MAX_EVENT_URI_CHARS || !VISIBLE_ASCII.test(uri)) throw new SetError('invalid_request', 'SET event type is not a URI');
    if (!isObject(payload)) throw new SetError('invalid_request', 'SET event payload must be an object');
    return [uri, payload];
  });
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 8935 §2.4 code for each verification failure; the rest are `invalid_request`. */
const SET_ERROR: Partial<Record<IdentityErrorCode, SetErrorCode>> = {
  untrusted_issuer: 'invalid_issuer',
  wrong_audience: 'invalid_audience',
  bad_signature: 'invalid_key',
  unknown_key: 'invalid_key',
  alg_not_allowed: 'invalid_key',
  embedded_key: 'invalid_key',
};
