import type { RegisterRoutes } from '../env.ts';
import { readAllEvents } from '../../audit/read-all.ts';
import { parseChainPoint, verifyChain } from '../../audit/verify-chain.ts';
import { storeCall } from '../../grants/store-call.ts';
import { authenticateAdmin } from '../bearer-auth.ts';
import { OAuthError } from '../oauth-error.ts';
import { inertJson } from '../../lib/inert-json.ts';

/**
 * Audit export as JSON lines after a sequence number, and chain verification. Lines escape what
 * line-based tools would split or reorder on (lib/inert-json.ts); the values, and so the hashes, are unchanged.
 */
export const registerAudit: RegisterRoutes = (app, deps) => {
  app.get('/v1/audit', async (c) => {
    await authenticateAdmin(deps, c.req.raw);
    const after = Number(c.req.query('after') ?? '0');
    const limit = Number(c.req.query('limit') ?? '1000');
    if (!Number.isSafeInteger(after) || after < 0) throw new OAuthError('invalid_request', 'after must be a sequence number');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) throw new OAuthError('invalid_request', 'limit must be 1-10000');
    const events = await storeCall(() => deps.store.readAudit(after, limit));
    const body = events.map((e) => inertJson(e)).join('\n') + (events.length ? '\n' : '');
    return c.body(body, 200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  });

  // ?since=SEQ:HASH verifies only what follows a point an earlier run verified (the caller kept it).
  app.get('/v1/audit/verify', async (c) => {
    await authenticateAdmin(deps, c.req.raw);
    const since = c.req.query('since');
    const from = since === undefined ? null : parseChainPoint(since);
    if (since !== undefined && from === null) throw new OAuthError('invalid_request', 'since must be SEQ:HASH, as a previous verification reported it');
    const report = await storeCall(async () => {
      const head = await deps.store.auditHead();
      const digest = deps.sha256 ? { digest: deps.sha256 } : {};
      if (from === null) return { ...(await verifyChain(readAllEvents(deps.store), head, digest)), head: head?.hash ?? null, head_seq: head?.seq ?? null };
      const [anchor] = await deps.store.readAudit(from.seq - 1, 1);
      return { ...(await verifyChain(readAllEvents(deps.store, 5000, from.seq), head, { ...digest, from: { ...from, anchor: anchor ?? null } })), head: head?.hash ?? null, head_seq: head?.seq ?? null };
    });
    return c.json(report, report.ok ? 200 : 409);
  });
};
