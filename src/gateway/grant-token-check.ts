import { decodeJwt } from 'jose';
import type { Deps } from '../deps.ts';
import { looksLikeOurs, verifyGrantToken, type GrantTokenClaims } from '../grants/grant-token.ts';
import { BoundedCache } from './bounded-cache.ts';

const VERIFIED_TOKENS = 10_000;

/** Why a presented token is refused, for the audit log. */
export type TokenRefusal = 'not a Tollgate grant token' | 'expired' | 'invalid signature or claims';

export type GrantTokenCheck = { claims: GrantTokenClaims; refusal?: never } | { claims?: never; refusal: TokenRefusal };

/**
 * Verifies an agent's grant token with Tollgate's own keyring (in memory: no fetch, no key
 * import). A gateway presents the same token on every call, so a verified token's claims are
 * remembered until its `exp`: the signature cannot change, and whether its grant is still
 * honoured is asked of the store on every call, never remembered.
 */
export function grantTokenChecker(deps: Deps): (token: string) => Promise<GrantTokenCheck> {
  const verified = new BoundedCache<GrantTokenClaims>(VERIFIED_TOKENS);
  const issuer = deps.config.server.issuer;
  return async (token) => {
    const now = deps.now();
    const known = verified.get(token, now);
    if (known) return { claims: known };
    if (!looksLikeOurs(token, issuer)) return { refusal: 'not a Tollgate grant token' };
    const claims = await verifyGrantToken(deps.keyring, issuer, token, now);
    if (!claims) return { refusal: expiredBy(token, now) ? 'expired' : 'invalid signature or claims' };
    verified.set(token, claims, claims.exp * 1000);
    return { claims };
  };
}

/** Only to name the reason in the audit log; the token was already refused. */
function expiredBy(token: string, now: number): boolean {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && exp * 1000 <= now;
  } catch {
    return false;
  }
}
