import { liftBlockQuery } from '../../schemas/blocks.ts';
import type { RegisterRoutes } from '../env.ts';
import { liftBlocks } from '../../grants/blocks.ts';
import { authenticateAdmin } from '../../identity/bearer-auth.ts';
import { OAuthError } from '../../lib/oauth-error.ts';

/**
 * Blocks are what `block: true` on a mass revocation leaves behind: no new grant for that agent
 * or principal. GET lists them; DELETE lifts those on one agent or principal (admins).
 */
export const registerBlocks: RegisterRoutes = (app, deps) => {
  app.get('/v1/blocks', async (c) => {
    await authenticateAdmin(deps, c.req.raw);
    const blocks = await deps.store.listBlocks(500);
    return c.json({ blocks: blocks.map((b) => ({ ...b, created_at: new Date(b.created_at).toISOString() })) }, 200, { 'cache-control': 'no-store' });
  });

  app.delete('/v1/blocks', async (c) => {
    const by = await authenticateAdmin(deps, c.req.raw);
    const parsed = liftBlockQuery.safeParse(c.req.query());
    if (!parsed.success) throw new OAuthError('invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
    const [kind, subject] = parsed.data.agent !== undefined ? (['agent', parsed.data.agent] as const) : (['principal', parsed.data.principal!] as const);
    const lifted = await liftBlocks(deps, kind, subject, by, c.get('requestId'));
    if (lifted === 0) throw new OAuthError('not_found', `no block on that ${kind}`);
    return c.json({ lifted, kind, subject });
  });
};
