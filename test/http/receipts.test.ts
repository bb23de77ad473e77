import { describe, expect, it } from 'vitest';
import { harness, type Harness } from '../support/harness.ts';
import type { Provider } from '../../providers/provider.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { runRevocationJobs } from '../../src/grants/revocation-worker.ts';
import { expiringProvider, leasingProvider } from '../support/fake-providers.ts';

async function setup(state: { down: boolean }): Promise<Harness> {
  const h = await harness({
    configPatch: (c) => {
      c.providers.leasing = { type: 'grant-token' };
      c.providers.expiring = { type: 'grant-token' };
      c.resources.push({ id: 'up:leasing', provider: 'leasing', actions: { read: {} } }, { id: 'up:expiring', provider: 'expiring', actions: { read: {} } });
    },
  });
  (h.deps.providers as Map<string, Provider>).set('leasing', leasingProvider(state)).set('expiring', expiringProvider);
  return h;
}

async function grant(h: Harness, scope: string, task: string, type?: string) {
  const res = await h.exchange({ subject_token: await h.agentToken(), scope, task_id: task, ...(type ? { requested_token_type: type } : {}) });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.grant_id as string;
}

describe('revocation receipts', () => {
  it('completing a task tells, per grant, what happened upstream', async () => {
    const state = { down: false };
    const h = await setup(state);
    const handle = await grant(h, 'up:leasing:read', 't'); // a grant token only
    const leased = await grant(h, 'up:leasing:read', 't', TOKEN_TYPE.secret);
    const expiringId = await grant(h, 'up:expiring:read', 't', TOKEN_TYPE.secret);
    const secret = await grant(h, 'demo:db:read', 't', TOKEN_TYPE.secret);
    const res = await h.app.request('/v1/tasks/t/complete', { method: 'POST', headers: { authorization: `Bearer ${await h.agentToken()}` } });
    const byId = Object.fromEntries(((await res.json()).revoked as { grant_id: string }[]).map((r) => [r.grant_id, r]));
    expect(byId[handle]).toEqual({ grant_id: handle, status: 'revoked' });
    expect(byId[leased]).toEqual({ grant_id: leased, status: 'revoked' });
    expect(byId[expiringId]).toMatchObject({ status: 'expires_at', expires_at: expect.stringMatching(/^\d{4}-/) });
    expect(byId[secret]).toMatchObject({ status: 'expires_at', expires_at: null, detail: expect.stringContaining('rotate') });
  });

  it('says pending while the upstream is down, and the job finishes it later', async () => {
    const state = { down: true };
    const h = await setup(state);
    const leased = await grant(h, 'up:leasing:read', 't2', TOKEN_TYPE.secret);
    const res = await h.app.request('/v1/tasks/t2/complete', { method: 'POST', headers: { authorization: `Bearer ${await h.agentToken()}` } });
    expect((await res.json()).revoked).toEqual([{ grant_id: leased, status: 'pending', expires_at: expect.any(String), detail: expect.any(String) }]);
    expect(await h.deps.store.jobsForGrants([leased])).toHaveLength(1);
  });

  it('a mass revocation reports its receipts as totals', async () => {
    const state = { down: false };
    const h = await setup(state);
    await grant(h, 'up:leasing:read', 'm1');
    await grant(h, 'up:leasing:read', 'm2', TOKEN_TYPE.secret);
    await grant(h, 'up:expiring:read', 'm3', TOKEN_TYPE.secret);
    await grant(h, 'demo:db:read', 'm4', TOKEN_TYPE.secret);
    const post = await h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ all: true }) });
    const { revocation_id } = await post.json();
    let body: any;
    for (let i = 0; i < 200; i++) {
      body = await (await h.adminRequest(`/v1/revocations/${revocation_id}`)).json();
      if (body.status === 'finished' && body.receipt_totals.pending === 0) break;
      await runRevocationJobs(h.deps);
    }
    expect(body).toMatchObject({ status: 'finished', revoked: 4, receipt_totals: { revoked: 2, pending: 0, expires_at: 1, static_secrets: 1 } });
    expect(body.receipt_totals.last_expiry).toMatch(/^\d{4}-/);
    // And per grant, paged.
    const first = await (await h.adminRequest(`/v1/revocations/${revocation_id}/receipts?limit=3`)).json();
    const rest = await (await h.adminRequest(`/v1/revocations/${revocation_id}/receipts?limit=3&cursor=${encodeURIComponent(first.next_cursor)}`)).json();
    const all = [...first.receipts, ...rest.receipts];
    expect(rest.next_cursor).toBeNull();
    expect(all.map((r: { status: string }) => r.status).sort()).toEqual(['expires_at', 'expires_at', 'revoked', 'revoked']);
    expect(all.filter((r: { expires_at?: string | null }) => r.expires_at === null)).toHaveLength(1);
    expect((await h.adminRequest(`/v1/revocations/${revocation_id}/receipts?cursor=nope`)).status).toBe(400);
    expect((await h.adminRequest('/v1/revocations/rev_unknown/receipts')).status).toBe(404);
  });
});
