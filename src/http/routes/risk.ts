import type { RegisterRoutes } from '../env.ts';
import { applyRisk } from '../../risk/apply-risk.ts';
import { riskBody, riskQuery } from '../../schemas/risk.ts';
import { authenticateAdmin } from '../../identity/bearer-auth.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { currentRisk } from '../../risk/current-risk.ts';
import { readJson } from '../../lib/read-body.ts';

const body = riskBody;
const query = riskQuery;

/**
 * Admins set an agent's or a principal's risk level (up or down); policy then decides every live
 * grant of that subject again and the ones it no longer permits are revoked. Answers what was
 * revoked, with the revocations to follow (GET /v1/revocations/{id}).
 */
export const registerRisk: RegisterRoutes = (app, deps) => {
  // What policy sees for a subject now: the level in force, what was recorded (by a signal or an
  // admin; null when nothing was), and since when its identity tokens are refused.
  app.get('/v1/risk', async (c) => {
    await authenticateAdmin(deps, c.req.raw);
    const parsed = query.safeParse(c.req.query());
    if (!parsed.success) throw new OAuthError('invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
    const q = parsed.data;
    const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);
    if (q.agent !== undefined) {
      const recorded = await deps.store.riskLevels(q.agent!, null);
      const registered = deps.agents.lookup(q.agent)?.risk ?? null;
      const view = await currentRisk(deps, q.agent!, registered ?? 'low', null);
      return c.json({ agent: q.agent, level: view.agent, registered_level: registered, recorded_level: recorded.agent, tokens_not_before: iso(recorded.agent_not_before) });
    }
    const recorded = await deps.store.riskLevels('', q.principal!);
    return c.json({ principal: q.principal, level: recorded.principal ?? 'low', recorded_level: recorded.principal, tokens_not_before: iso(recorded.principal_not_before) });
  });

  app.post('/v1/risk', async (c) => {
    const by = await authenticateAdmin(deps, c.req.raw);
    const parsed = body.safeParse(await readJson(c.req.raw, deps.config.server.limits.max_body_bytes));
    if (!parsed.success) throw new OAuthError('invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const b = parsed.data;
    const subject = b.agent !== undefined ? { kind: 'agent' as const, id: b.agent } : { kind: 'principal' as const, id: b.principal! };
    const out = await applyRisk(deps, { subject, level: b.level, mode: 'set', revokeAll: false, reason: b.reason, by, requestId: c.get('requestId') });
    return c.json({
      [subject.kind]: subject.id,
      level: out.level,
      previous_level: out.previous_level,
      revoked: out.revoked,
      revocation_ids: out.revocation_ids,
    });
  });
};
