import { errors, jwtVerify } from 'jose';
import type { CryptoKey, JWTPayload, JWTVerifyOptions } from 'jose';
import type { CompiledIssuer } from './compile-issuer.ts';
import { checkExplicitType } from './explicit-type.ts';
import { IdentityError } from './identity-error.ts';
import type { InspectedToken } from './inspect-token.ts';
import { fromJoseError } from './map-jose-error.ts';
import { parseSpiffeId, type SpiffeId } from './spiffe-id.ts';
import type { VerifiedToken } from './verified-token.ts';
import { vouchedClaims } from './vouched-claims.ts';

/**
 * Longest lifetime (exp − iat) accepted for any token. Workload and ID tokens live minutes to
 * hours; a token valid for days is a long-lived bearer secret in disguise and defeats the point
 * of short-lived credentials. When `iat` is absent the remaining life (exp − now) is measured.
 * A `signals` SET without `exp` is refused once it is older than this.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

/** Longest `sub` accepted; it becomes an agent id that is stored, compared and audited. */
const MAX_SUBJECT_CHARS = 2048;

/**
 * RFC 8417 Security Event Tokens (kind `signals`) carry no `exp` and often no `sub` (CAEP puts
 * the subject in the event), but must have `iat` and `jti`. Every other kind is an identity.
 */
const REQUIRED_CLAIMS = {
  identity: ['exp', 'iss', 'aud', 'sub'],
  signals: ['iss', 'aud', 'iat', 'jti'],
} as const;

export interface VerifyOptions {
  clockSkewSeconds: number;
  /** epoch milliseconds */
  now: () => number;
}

/** Verifies a token (already inspected) against one issuer; throws IdentityError. */
export async function verifyWithIssuer(
  token: string,
  inspected: InspectedToken,
  issuer: CompiledIssuer,
  opts: VerifyOptions,
): Promise<VerifiedToken> {
  const cfg = issuer.config;
  if (!issuer.algorithms.has(inspected.alg)) throw new IdentityError('alg_not_allowed', 'token algorithm is not allowed for this issuer');
  const nowMs = opts.now();
  const isSet = cfg.kind === 'signals';
  const options: JWTVerifyOptions = {
    issuer: cfg.issuer,
    audience: cfg.audiences,
    algorithms: cfg.algorithms,
    clockTolerance: opts.clockSkewSeconds,
    requiredClaims: [...(isSet ? REQUIRED_CLAIMS.signals : REQUIRED_CLAIMS.identity)],
    currentDate: new Date(nowMs),
  };
  checkExplicitType(inspected.header.typ, cfg.typ, cfg.kind);
  const payload = await verifyJose(token, issuer, options);

  // jose has checked exp/nbf and the types of iat/nbf/exp; what follows it does not do.
  const nowSec = Math.floor(nowMs / 1000);
  const { iat, exp } = payload;
  if (iat !== undefined && iat > nowSec + opts.clockSkewSeconds) throw new IdentityError('not_yet_valid', 'token "iat" is in the future');
  if (exp !== undefined && exp - (iat ?? nowSec) > MAX_TOKEN_LIFETIME_SECONDS) {
    throw new IdentityError('lifetime_too_long', 'token lifetime exceeds the maximum');
  }
  if (exp === undefined && iat !== undefined && nowSec - iat > MAX_TOKEN_LIFETIME_SECONDS + opts.clockSkewSeconds) {
    throw new IdentityError('expired', 'token is too old');
  }

  const subject = payload.sub ?? '';
  const spiffeId = checkSubject(subject, issuer, !isSet);
  return {
    issuer: cfg.issuer,
    issuerName: cfg.name,
    kind: cfg.kind,
    subject,
    spiffeId,
    agentId: spiffeId ? spiffeId.toString() : `${cfg.issuer}#${subject}`,
    expiresAt: (exp ?? (iat ?? nowSec) + MAX_TOKEN_LIFETIME_SECONDS) * 1000,
    claims: payload,
    vouched: vouchedClaims(payload, cfg.name, cfg.asserts),
  };
}

/** jwtVerify, trying each candidate when the key set has several keys fit for the token. */
async function verifyJose(token: string, issuer: CompiledIssuer, options: JWTVerifyOptions): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, issuer.keys.getKey, options)).payload;
  } catch (e) {
    // A token without `kid` against a set with two keys of its type (rotation overlap):
    // jose hands back the candidates; one of them must verify.
    if (!(e instanceof errors.JWKSMultipleMatchingKeys)) throw fromJoseError(e);
    for await (const key of e as unknown as AsyncIterable<CryptoKey>) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw fromJoseError(inner);
      }
    }
    throw new IdentityError('bad_signature', 'token signature is invalid');
  }
}

/** Returns the SPIFFE ID when the issuer may assert one; throws when `sub` breaks a rule. */
function checkSubject(sub: unknown, issuer: CompiledIssuer, required: boolean): SpiffeId | null {
  if (typeof sub !== 'string') throw new IdentityError('malformed', 'token "sub" is not a string');
  if (sub.length > MAX_SUBJECT_CHARS) throw new IdentityError('bad_subject', 'token "sub" is too long');
  if (required && sub === '') throw new IdentityError('bad_subject', 'token "sub" is empty');
  let spiffeId: SpiffeId | null = null;
  if (issuer.trustDomains) {
    spiffeId = parseSpiffeId(sub);
    if (!spiffeId) throw new IdentityError('bad_subject', 'token "sub" is not a valid SPIFFE ID');
    if (!issuer.trustDomains.has(spiffeId.trustDomain)) {
      throw new IdentityError('bad_subject', 'token "sub" is in a trust domain this issuer may not assert');
    }
  }
  if (issuer.subjectPatterns && !issuer.subjectPatterns.some((re) => re.test(sub))) {
    throw new IdentityError('bad_subject', 'token "sub" matches no allowed subject pattern');
  }
  return spiffeId;
}
