import type { RegisterRoutes } from '../env.ts';
import { revokeByFilter } from '../../grants/revoke.ts';
import { receiptFor, receiptTotals } from '../../grants/receipt.ts';
import type { RevocationFilter } from '../../store/store.ts';
import { authenticateAdmin } from '../../identity/bearer-auth.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { receiptsQuery, revocationBody, revocationFilterOf, revocationListQuery } from '../../schemas/revocations.ts';
import { parseQuery } from '../../schemas/parse.ts';
import { readJson } from '../../lib/read-body.ts';
import { listGrantsPage } from '../../flows/list-grants.ts';

const body = revocationBody;

/** Admin mass revocation by filter, with `dry_run` to count first and `block` to refuse new grants. */
export const registerRevocations: RegisterRoutes = (app, deps) => {
  app.post('/v1/revocations', async (c) => {
    const by = await authenticateAdmin(deps, c.req.raw);
    const parsed = body.safeParse(await readJson(c.req.raw, deps.config.server.limits.max_body_bytes));
    if (!parsed.success) throw new OAuthError('invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const b = parsed.data;
    const filter = revocationFilterOf(b);
    if (b.dry_run) return c.json({ dry_run: true, matched: await deps.store.countLive(filter) });
    const record = await revokeByFilter(deps, { filter, reason: b.reason, by, requestId: c.get('requestId'), block: b.block });
    // 202: every grant the filter names is already dead on every path; the per-grant records are
    // being written, and GET /v1/revocations/{id} shows when they are all done.
    return c.json(present(record), 202, { location: `/v1/revocations/${record.id}` });
  });

  // The newest mass revocations, each with its progress.
  app.get('/v1/revocations', async (c) => {
    await authenticateAdmin(deps, c.req.raw);
    const { limit } = parseQuery(revocationListQuery, c.req.query());
    const records = await deps.store.listRevocations(limit);
    return c.json({ revocations: records.map(present) }, 200, { 'cache-control': 'no-store' });
  });

  app.get('/v1/revocations/:id', async (c) => {
    await authenticateAdmin(deps, c.req.raw);
    const record = await deps.store.getRevocation(c.req.param('id').slice(0, 64));
    if (!record) throw new OAuthError('not_found', 'no such revocation');
    const tally = await deps.store.revocationTally(record.id);
    return c.json({ ...present(record), receipt_totals: receiptTotals(tally, deps.providers) });
  });

  // Per-grant receipts of one revocation, newest grant first, paged like the inventory.
  app.get('/v1/revocations/:id/receipts', async (c) => {
    await authenticateAdmin(deps, c.req.raw);
    const id = c.req.param('id').slice(0, 64);
    const { limit, cursor } = parseQuery(receiptsQuery, c.req.query());
    if (!(await deps.store.getRevocation(id))) throw new OAuthError('not_found', 'no such revocation');
    const page = await listGrantsPage(deps, { revoked_by: id }, limit, cursor ?? null);
    const open = new Set((await deps.store.jobsForGrants(page.grants.map((g) => g.id))).map((j) => j.grant_id));
    return c.json({ receipts: page.grants.map((g) => receiptFor(g, deps.providers.get(g.provider), open.has(g.id))), next_cursor: page.next_cursor });
  });
};

function present(r: { id: string; filter: RevocationFilter; reason: string; block: boolean; created_at: number; finished_at: number | null; revoked_count: number }) {
  return {
    revocation_id: r.id,
    status: r.finished_at === null ? 'running' : 'finished',
    revoked: r.revoked_count,
    filter: { ...r.filter, ...(r.filter.issued_before !== undefined ? { issued_before: new Date(r.filter.issued_before).toISOString() } : {}) },
    reason: r.reason,
    block: r.block,
    created_at: new Date(r.created_at).toISOString(),
    finished_at: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
  };
}
