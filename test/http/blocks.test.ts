import { describe, expect, it } from 'vitest';
import { harness } from '../support/harness.ts';

const AGENT = 'spiffe://example.org/agent/demo';
const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('blocks and the list of mass revocations', () => {
  it('a block stops new grants until an admin lifts it, audited with who; revocations are listed newest first', async () => {
    const h = await harness();
    const issue = async () => h.exchange({ subject_token: await h.agentToken('demo'), scope: 'demo:reports:read' });
    expect((await issue()).status).toBe(200);

    const blocked = await h.adminRequest('/v1/revocations', json({ agent: AGENT, block: true, reason: 'agent compromised' }));
    expect(blocked.status).toBe(202);
    const { revocation_id } = (await blocked.json()) as { revocation_id: string };
    h.clock.now += 1000;
    await h.adminRequest('/v1/revocations', json({ task_id: 'other-task', reason: 'later one' }));
    expect((await issue()).status).toBe(403);

    const list = (await (await h.adminRequest('/v1/revocations')).json()) as { revocations: { revocation_id: string; reason: string; block: boolean }[] };
    expect(list.revocations.map((r) => r.reason)).toEqual(['later one', 'agent compromised']);
    expect(list.revocations[1]).toMatchObject({ revocation_id, block: true });
    expect(await (await h.adminRequest('/v1/blocks')).json()).toEqual({ blocks: [{ kind: 'agent', subject: AGENT, revocation_id, created_at: expect.any(String) }] });

    const lift = await h.adminRequest(`/v1/blocks?agent=${encodeURIComponent(AGENT)}`, { method: 'DELETE' });
    expect(await lift.json()).toEqual({ lifted: 1, kind: 'agent', subject: AGENT });
    expect((await issue()).status).toBe(200);
    expect((await h.adminRequest(`/v1/blocks?agent=${encodeURIComponent(AGENT)}`, { method: 'DELETE' })).status).toBe(404);
    expect(await (await h.adminRequest('/v1/blocks')).json()).toEqual({ blocks: [] });

    const events = (await h.deps.store.readAudit(0, 1000)).filter((e) => e.type === 'block.lifted');
    expect(events).toMatchObject([{ agent: AGENT, detail: { kind: 'agent', subject: AGENT, by: 'admin-key' } }]);
    await h.deps.store.close();
  });

  it('needs an admin and exactly one subject', async () => {
    const h = await harness();
    expect((await h.app.request('/v1/blocks')).status).toBe(401);
    expect((await h.app.request('/v1/blocks?agent=x', { method: 'DELETE' })).status).toBe(401);
    expect((await h.app.request('/v1/revocations')).status).toBe(401);
    for (const q of ['', '?agent=a&principal=b', '?subject=a', '?agent=']) expect((await h.adminRequest(`/v1/blocks${q}`, { method: 'DELETE' })).status, q).toBe(400);
    expect((await h.adminRequest('/v1/revocations?limit=0')).status).toBe(400);
    await h.deps.store.close();
  });
});
