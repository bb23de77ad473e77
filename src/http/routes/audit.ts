import type { RegisterRoutes } from '../env.ts';
import { parseChainPoint } from '../../audit/verify-chain.ts';
import { verifyLiveChain } from '../../audit/verify-live.ts';
import { authenticateAdmin } from '../../identity/bearer-auth.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { inertJson } from '../../lib/inert-json.ts';
import { auditQuery, auditVerifyQuery } from '../../schemas/audit.ts';
import { parseQuery } from '../../schemas/parse.ts';

/**
 * Audit export as JSON lines after a sequence number, and chain verification. Lines escape what
 * line-based tools would split or reorder on (lib/inert-json.ts); the values, and so the hashes, are unchanged.
 */
export const registerAudit: RegisterRoutes = (app, deps) => {
  app.get('/v1/audit', async (c) => {
    await authenticateAdmin(deps, c.req.raw);
    const { after, limit } = parseQuery(auditQuery, c.req.query());
    const events = await deps.store.readAudit(after, limit);
    const body = events.map((e) => inertJson(e)).join('\n') + (events.length ? '\n' : '');
    return c.body(body, 200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  });

  // ?since=SEQ:HASH verifies only what follows a point an earlier run verified (the caller kept it).
  app.get('/v1/audit/verify', async (c) => {
    await authenticateAdmin(deps, c.req.raw);
    const { since } = parseQuery(auditVerifyQuery, c.req.query());
    const from = since === undefined ? null : parseChainPoint(since);
    if (since !== undefined && from === null) throw new OAuthError('invalid_request', 'since must be SEQ:HASH, as a previous verification reported it');
    const report = await verifyLiveChain(deps.store, { since: from, keys: deps.keyring, ...(deps.sha256 ? { digest: deps.sha256 } : {}) });
    return c.json(report, report.ok ? 200 : 409);
  });
};
