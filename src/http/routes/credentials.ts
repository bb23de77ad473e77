import type { RegisterRoutes } from '../env.ts';
import { gatewayAuthenticator } from '../authenticate-gateway.ts';
import { readCredentialRequest } from '../../flows/credential-request.ts';
import { auditRejected, perCall } from '../../flows/per-call.ts';
import { perCallParts } from '../../gateway/per-call-parts.ts';
import type { CredentialRequest } from '../../flows/credential-request.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { onHotPath } from '../../grants/hot-path.ts';

/** POST /v1/credentials: a gateway redeems an agent's grant token for one tool call. */
export const registerCredentials: RegisterRoutes = (app, deps) => {
  const authenticate = gatewayAuthenticator(deps);
  const parts = perCallParts(deps);
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
