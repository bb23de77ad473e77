import type { RegisterRoutes } from '../env.ts';
import { gatewayAuthenticator } from '../../gateway/authenticate-gateway.ts';
import { cachedPolicy } from '../../gateway/cached-policy.ts';
import { groupCommit } from '../../gateway/call-audit.ts';
import { CredentialCache } from '../../gateway/credential-cache.ts';
import { readCredentialRequest } from '../../gateway/credential-request.ts';
import { grantTokenChecker } from '../../gateway/grant-token-check.ts';
import { auditRejected, perCall } from '../../gateway/per-call.ts';
import type { CredentialRequest } from '../../gateway/credential-request.ts';
import { OAuthError } from '../oauth-error.ts';
import { onHotPath } from '../../grants/hot-path.ts';

const CACHED_CREDENTIALS = 10_000;

/**
 * Cuts a group-commit batch once the event loop has run everything ready: on Node after the
 * current turn (setImmediate), elsewhere on the next timer.
 */
const nextTurn = (f: () => void): void => {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (g.setImmediate) g.setImmediate(f);
  else setTimeout(f, 0);
};

/** POST /v1/credentials: a gateway redeems an agent's grant token for one tool call. */
export const registerCredentials: RegisterRoutes = (app, deps) => {
  const authenticate = gatewayAuthenticator(deps);
  const parts = {
    checkToken: grantTokenChecker(deps),
    policy: cachedPolicy(deps.policy),
    credentials: new CredentialCache(CACHED_CREDENTIALS),
    audit: groupCommit(deps.store, nextTurn),
  };
  app.post('/v1/credentials', async (c) => onHotPath(deps, async () => {
    const gateway = await authenticate(c.req.raw);
    const requestId = c.get('requestId');
    let call: CredentialRequest;
    try {
      call = await readCredentialRequest(c.req.raw, deps.config.server.limits);
    } catch (e) {
      if (e instanceof OAuthError) await auditRejected(deps, parts.audit, gateway, requestId, e);
      throw e;
    }
    const body = await perCall(deps, parts, gateway, call, requestId);
    return c.json(body, 200, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }));
};
