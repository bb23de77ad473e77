import type { RegisterRoutes } from '../env.ts';
import { introspect } from '../../grants/introspect.ts';
import { authenticateAdmin, bearerToken, verifyOrNull } from '../../identity/bearer-auth.ts';
import { introspectForm, parseForm } from '../../schemas/token.ts';
import { readForm } from '../../lib/read-body.ts';
import { gatewayAuthenticator } from '../authenticate-gateway.ts';

/**
 * RFC 7662. Callers authenticate: an admin, a gateway (as for POST /v1/credentials: the protected
 * resources introspection is for), or a workload listed in server.introspection_callers.
 */
export const registerIntrospect: RegisterRoutes = (app, deps) => {
  const callers = new Set(deps.config.server.introspection_callers);
  const gateway = gatewayAuthenticator(deps);
  app.post('/oauth/introspect', async (c) => {
    await authenticateCaller(c.req.raw);
    const { token } = parseForm(introspectForm, await readForm(c.req.raw, deps.config.server.limits.max_body_bytes));
    if (token.length > deps.config.server.limits.max_token_bytes) return c.json({ active: false });
    const body = await introspect(deps, token);
    return c.json(body, 200, { 'cache-control': 'no-store' });
  });

  async function authenticateCaller(req: Request): Promise<void> {
    const token = bearerToken(req);
    if (token && !token.startsWith('tgk_') && (await gateway(req).then(() => true, () => false))) return;
    if (token && !token.startsWith('tgk_') && callers.size > 0) {
      const who = await verifyOrNull(deps, token, ['workload']);
      if (who && callers.has(who.agentId)) return;
    }
    await authenticateAdmin(deps, req);
  }
};
