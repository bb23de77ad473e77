import type { RegisterRoutes } from '../env.ts';
import { liftFreezes, scopeOf, startFreeze } from '../../grants/freezes.ts';
import { authenticateAdmin } from '../../identity/bearer-auth.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { readJson } from '../../lib/read-body.ts';
import { freezeBody, liftFreezeQuery } from '../../schemas/freeze.ts';
import { parseQuery } from '../../schemas/parse.ts';

const body = freezeBody;

/**
 * The emergency stop. POST freezes (everything, or what agent / owner / resource / provider
 * name): from its answer on, every node issues no grant and serves no per-call credential for it,
 * and introspection calls its grants inactive. DELETE lifts (all, or ?id=). Kill is
 * POST /v1/revocations {all: true}.
 */
export const registerFreeze: RegisterRoutes = (app, deps) => {
  app.post('/v1/freeze', async (c) => {
    const by = await authenticateAdmin(deps, c.req.raw);
    const parsed = body.safeParse(await readJson(c.req.raw, deps.config.server.limits.max_body_bytes));
    if (!parsed.success) throw new OAuthError('invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const freeze = await startFreeze(deps, scopeOf(parsed.data), parsed.data.reason, by, c.get('requestId'));
    return c.json({ freeze }, 201);
  });

  app.get('/v1/freeze', async (c) => {
    await authenticateAdmin(deps, c.req.raw);
    const freezes = await deps.store.activeFreezes();
    return c.json({ frozen: freezes.length > 0, freezes }, 200, { 'cache-control': 'no-store' });
  });

  app.delete('/v1/freeze', async (c) => {
    const by = await authenticateAdmin(deps, c.req.raw);
    const { id: only } = parseQuery(liftFreezeQuery, { id: c.req.query('id') });
    const lifted = await liftFreezes(deps, only ?? null, by, c.get('requestId'));
    if (only !== undefined && lifted.length === 0) throw new OAuthError('not_found', 'no such active freeze');
    return c.json({ lifted, frozen: (await deps.store.activeFreezes()).length > 0 });
  });
};
