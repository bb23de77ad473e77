import { SignJWT, jwtVerify, errors, type JWTPayload } from 'jose';
import type { Keyring } from '../keys/keyring.ts';
import type { ActClaim, Grant } from '../model/grant.ts';

export const GRANT_TOKEN_TYP = 'at+jwt';

/** Claims of a Tollgate grant token (RFC 9068 JWT access token profile, plus Tollgate's grant fields). */
export interface GrantTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope: string;
  task_id: string;
  grant_id: string;
  act?: ActClaim;
}

/** The subject of a grant token is the human when there is one (RFC 8693 delegation), else the agent itself. */
export function grantTokenSubject(grant: Pick<Grant, 'principal' | 'agent'>): string {
  return grant.principal ?? grant.agent;
}

export async function signGrantToken(keyring: Keyring, issuer: string, audience: string, grant: Grant, expiresAt: number): Promise<string> {
  const claims: Record<string, unknown> = {
    client_id: grant.agent,
    scope: grant.scope,
    task_id: grant.task_id,
    grant_id: grant.id,
  };
  if (grant.act) claims.act = grant.act;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: keyring.current.alg, kid: keyring.current.kid, typ: GRANT_TOKEN_TYP })
    .setIssuer(issuer)
    .setSubject(grantTokenSubject(grant))
    .setAudience(audience)
    .setJti(grant.id)
    .setIssuedAt(Math.floor(grant.created_at / 1000))
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .sign(keyring.current.key);
}

/**
 * Verifies the signature and standard claims of a token Tollgate issued. It says nothing about
 * whether the grant is still alive: callers must look the grant up (revocation is in the store).
 * Returns null for anything that is not a valid Tollgate token.
 */
export async function verifyGrantToken(keyring: Keyring, issuer: string, token: string, now: number): Promise<GrantTokenClaims | null> {
  try {
    const { payload } = await jwtVerify(token, keyring.verifyKey, {
      issuer,
      typ: GRANT_TOKEN_TYP,
      algorithms: keyring.algorithms,
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'aud'],
      currentDate: new Date(now),
    });
    if (typeof payload.grant_id !== 'string' || payload.grant_id !== payload.jti) return null;
    if (typeof payload.scope !== 'string' || typeof payload.task_id !== 'string') return null;
    return payload as GrantTokenClaims;
  } catch (e) {
    if (e instanceof errors.JOSEError || e instanceof TypeError) return null;
    throw e;
  }
}

/** Cheap pre-check so a token of another issuer is not tried against our keys. */
export function looksLikeOurs(token: string, issuer: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1]!.length > 16384) return false;
  try {
    const json = JSON.parse(atob(parts[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { iss?: unknown };
    return json.iss === issuer;
  } catch {
    return false;
  }
}
