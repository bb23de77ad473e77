import type { Deps } from '../deps.ts';
import { IdentityError } from './identity-error.ts';
import type { IssuerKind, VerifiedToken } from './trust-registry.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { constantTimeEqual, sha256Hex } from '../lib/digest.ts';

/** Bootstrap admin keys look like this, so they are never mistaken for (or tried as) JWTs. */
export const ADMIN_KEY_PREFIX = 'tgk_';

export function bearerToken(req: Request): string | null {
  const h = req.headers.get('authorization');
  if (!h) return null;
  const m = /^Bearer ([\x21-\x7e]{1,16384})$/.exec(h);
  return m ? m[1]! : null;
}

/**
 * Admins present a JWT from an issuer of kind `admin`, or a bootstrap key whose SHA-256 is in
 * config. Agents' tokens come from other issuers and so never pass. Returns who it was, for audit.
 */
export async function authenticateAdmin(deps: Deps, req: Request): Promise<string> {
  const token = bearerToken(req);
  if (!token) throw new OAuthError('invalid_client', 'admin bearer token required');
  if (token.startsWith(ADMIN_KEY_PREFIX)) {
    if (await isAdminKey(deps, token)) return 'admin-key';
    throw new OAuthError('invalid_client', 'invalid admin credentials');
  }
  const who = await verifyOrNull(deps, token, ['admin']);
  if (!who) throw new OAuthError('invalid_client', 'invalid admin credentials');
  return who.agentId;
}

/** A bootstrap admin key (`tgk_…`) whose SHA-256 is configured; also what the console's key sign-in checks. */
export async function isAdminKey(deps: Deps, key: string): Promise<boolean> {
  return key.startsWith(ADMIN_KEY_PREFIX) && (await matchesAdminKey(key, deps.config.trust.admin_key_hashes));
}

export async function verifyOrNull(deps: Deps, token: string, kinds: IssuerKind[]): Promise<VerifiedToken | null> {
  try {
    return await deps.trust.verify(token, kinds);
  } catch (e) {
    if (e instanceof IdentityError) {
      if (e.temporary) throw new OAuthError('temporarily_unavailable', 'issuer keys unavailable');
      return null;
    }
    throw e;
  }
}

/** Compares the digest against every configured hash without stopping early, in constant time per hash. */
async function matchesAdminKey(key: string, hashes: readonly string[]): Promise<boolean> {
  const digest = await sha256Hex(key);
  let ok = 0;
  for (const h of hashes) ok |= constantTimeEqual(digest, h) ? 1 : 0;
  return ok === 1;
}
