import { describe, expect, it } from 'vitest';
import { draft } from '../../src/audit/event.ts';
import { reconcile } from '../../src/grants/maintenance.ts';
import { harness, JWT_TYPE, type Harness } from '../support/harness.ts';

async function ok(res: Response) {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** An orchestrator's grant, a sub-agent's narrowed from it, and one narrowed again from that. */
async function chain(h: Harness, task = 'task-1') {
  const parent = await ok(await h.exchange({ subject_token: await h.agentToken('orchestrator'), scope: 'demo:reports:read demo:reports:write', task_id: task }));
  const child = await ok(await h.exchange({ subject_token: parent.access_token, actor_token: await h.agentToken('sub'), actor_token_type: JWT_TYPE, scope: 'demo:reports:read', task_id: task }));
  // The sub-agent narrows its own token again (a third link, within the delegation-depth policy).
  const grandchild = await ok(await h.exchange({ subject_token: child.access_token, scope: 'demo:reports:read', task_id: task }));
  return { parent, child, grandchild };
}

const status = async (h: Harness, id: string) => (await (await h.adminRequest(`/v1/grants/${id}`)).json()) as { status: string; status_reason: string };

describe('revoking a grant revokes what was derived from it', () => {
  it('RFC 7009 on the orchestrator\'s token marks the sub-agents\' grants revoked too', async () => {
    const h = await harness();
    const { parent, child, grandchild } = await chain(h);
    const res = await h.form('/oauth/revoke', { token: parent.access_token }, { authorization: 'Bearer tgk_test-admin-key-0123456789abcdef' });
    expect(res.status).toBe(200);
    expect((await status(h, parent.grant_id)).status).toBe('revoked');
    for (const g of [child, grandchild]) {
      const s = await status(h, g.grant_id);
      expect(s.status).toBe('revoked');
      expect(s.status_reason).toMatch(/a grant it derives from was revoked/);
    }
  });

  it('a mass revocation of the orchestrator reaches its sub-agents\' grants, counted in its total', async () => {
    const h = await harness();
    const { child, grandchild } = await chain(h);
    const rev = await (await h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'spiffe://example.org/agent/orchestrator', reason: 'compromised' }) })).json();
    let done: Record<string, unknown> = {};
    for (let i = 0; i < 200 && done.status !== 'finished'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      done = await (await h.adminRequest(`/v1/revocations/${rev.revocation_id ?? rev.id}`)).json();
    }
    expect(done).toMatchObject({ status: 'finished', revoked: 3 });
    for (const g of [child, grandchild]) expect((await status(h, g.grant_id)).status).toBe('revoked');
  });

  it('the reconciler revokes derived grants a crash left live under a dead parent', async () => {
    const h = await harness();
    const { parent, child, grandchild } = await chain(h);
    // As if the process died right after marking the parent: only its row moved.
    await h.deps.store.transition(parent.grant_id, ['active'], 'revoked', { revoked_at: h.clock.now, status_reason: 'test' }, draft('grant.revoked', h.clock.now, {}));
    expect((await status(h, child.grant_id)).status).toBe('active');
    expect(await h.deps.store.orphanedGrants(10)).toEqual([child.grant_id]);
    const r = await reconcile(h.deps);
    expect(r.orphans).toBe(2);
    for (const g of [child, grandchild]) expect((await status(h, g.grant_id)).status).toBe('revoked');
    expect(await h.deps.store.orphanedGrants(10)).toEqual([]);
  });
});
