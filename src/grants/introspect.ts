import type { Deps } from '../deps.ts';
import { grantTokenSubject, looksLikeOurs, verifyGrantToken } from './grant-token.ts';
import { frozenBy } from './freeze.ts';
import { liveGrant } from './live-grant.ts';

/** RFC 7662 §2.2 response for a Tollgate token: `{ active: false }` for anything not honoured right now. */
export async function introspect(deps: Deps, token: string): Promise<Record<string, unknown>> {
  const issuer = deps.config.server.issuer;
  if (!looksLikeOurs(token, issuer)) return { active: false };
  const now = deps.now();
  const claims = await verifyGrantToken(deps.keyring, issuer, token, now);
  if (!claims) return { active: false };
  const [grant, freezes] = await Promise.all([liveGrant(deps.store, claims.grant_id, now), deps.store.activeFreezes()]);
  // A frozen grant is not honoured while the freeze holds: a resource server must not act on it either.
  if (!grant || frozenBy(freezes, grant)) return { active: false };
  const out: Record<string, unknown> = {
    active: true,
    scope: grant.scope,
    client_id: grant.agent,
    sub: grantTokenSubject(grant),
    token_type: 'Bearer',
    exp: Math.min(claims.exp, Math.floor(grant.expires_at / 1000)),
    iat: claims.iat,
    iss: issuer,
    aud: claims.aud,
    jti: claims.jti,
    grant_id: grant.id,
    task_id: grant.task_id,
    owner: grant.owner,
  };
  if (grant.act) out.act = grant.act;
  if (grant.principal) out.principal = grant.principal;
  return out;
}
