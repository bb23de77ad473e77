import type { RegisterRoutes } from '../env.ts';
import { statusAt, type Grant } from '../../model/grant.ts';
import { authenticateAdmin } from '../../identity/bearer-auth.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { grantListFilterOf, grantListQuery } from '../../schemas/grants.ts';
import { listGrantsPage } from '../../flows/list-grants.ts';

const query = grantListQuery;

/** Inventory for security teams. Grants hold no secrets (only fingerprints), so they are shown whole. */
export const registerGrants: RegisterRoutes = (app, deps) => {
  app.get('/v1/grants', async (c) => {
    await authenticateAdmin(deps, c.req.raw);
    const parsed = query.safeParse(c.req.query());
    if (!parsed.success) throw new OAuthError('invalid_request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const { limit, cursor } = parsed.data;
    const page = await listGrantsPage(deps, grantListFilterOf(parsed.data), limit, cursor ?? null);
    return c.json({ grants: page.grants.map((g) => presentGrant(g, deps.now())), next_cursor: page.next_cursor });
  });

  app.get('/v1/grants/:id', async (c) => {
    await authenticateAdmin(deps, c.req.raw);
    const grant = await deps.store.getGrant(c.req.param('id').slice(0, 80));
    if (!grant) throw new OAuthError('not_found', 'no such grant');
    return c.json(presentGrant(grant, deps.now()));
  });
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A grant as admins see it; `status` is the one at `now` (statusAt), the row's own is `recorded_status` when they differ. */
export function presentGrant(g: Grant, now: number) {
  const status = statusAt(g, now);
  return { ...g, status, ...(status !== g.status ? { recorded_status: g.status } : {}), created_at: iso(g.created_at), expires_at: iso(g.expires_at), issued_at: iso(g.issued_at), revoked_at: iso(g.revoked_at), credential_expires_at: iso(g.credential_expires_at) };
}
