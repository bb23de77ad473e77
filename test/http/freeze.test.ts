import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/digest.ts';
import { ADMIN_KEY, harness } from '../support/harness.ts';

const GATEWAY_KEY = 'tgw_freeze-test-gateway-key-0123456789';

describe('emergency stop: freeze', () => {
  it('refuses exchanges and per-call credentials everywhere it names, with a clear answer, audited; unfreeze restores', async () => {
    const hash = await sha256Hex(GATEWAY_KEY);
    const h = await harness({ configPatch: (c) => void (c.trust.gateway_key_hashes = [hash]) });
    const issue = async (agent = 'demo', task = 'task-1') => h.exchange({ subject_token: await h.agentToken(agent), scope: 'demo:reports:read', task_id: task });
    const token = ((await (await issue()).json()) as { access_token: string }).access_token;
    const perCall = () =>
      h.app.request('/v1/credentials', { method: 'POST', headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ token, action: 'read' }) });
    const introspect = async () => (await (await h.form('/oauth/introspect', { token }, { authorization: `Bearer ${ADMIN_KEY}` })).json()) as { active: boolean };
    expect((await perCall()).status).toBe(200);
    expect(await introspect()).toMatchObject({ active: true });

    // Scoped to another agent: nothing here changes.
    const scoped = await h.adminRequest('/v1/freeze', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'agent x misbehaves', agent: 'spiffe://example.org/agent/x' }) });
    expect(scoped.status).toBe(201);
    expect((await issue('demo', 'task-2')).status).toBe(200);
    expect((await issue('x', 'task-3')).status).toBe(403);

    const res = await h.adminRequest('/v1/freeze', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'incident 42' }) });
    expect(res.status).toBe(201);
    const { freeze } = (await res.json()) as { freeze: { id: string; frozen_by: string; reason: string } };
    expect(freeze).toMatchObject({ reason: 'incident 42', frozen_by: expect.any(String) });

    const refused = await issue('demo', 'task-4');
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as { error: string; error_description: string };
    expect(body.error).toBe('temporarily_unavailable');
    expect(body.error_description).toMatch(/frozen by an operator/);
    const call = await perCall();
    expect(call.status).toBe(403);
    expect(await call.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(await introspect()).toEqual({ active: false });
    expect(((await (await h.adminRequest('/v1/freeze')).json()) as { frozen: boolean; freezes: unknown[] })).toMatchObject({ frozen: true, freezes: [expect.anything(), expect.anything()] });

    const lift = await h.adminRequest(`/v1/freeze?id=${freeze.id}`, { method: 'DELETE' });
    expect(await lift.json()).toMatchObject({ lifted: [{ id: freeze.id, lifted_at: expect.any(Number) }], frozen: true });
    expect((await h.adminRequest(`/v1/freeze?id=${freeze.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await perCall()).status).toBe(200);
    expect((await issue('x', 'task-5')).status).toBe(403);
    expect(await (await h.adminRequest('/v1/freeze', { method: 'DELETE' })).json()).toMatchObject({ frozen: false });
    expect((await issue('x', 'task-6')).status).toBe(200);

    const events = await h.deps.store.readAudit(0, 1000);
    expect(events.filter((e) => e.type === 'freeze.started').map((e) => e.reason)).toEqual(['agent x misbehaves', 'incident 42']);
    expect(events.filter((e) => e.type === 'freeze.lifted')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'exchange.denied' && e.reason === 'frozen')).toHaveLength(3);
    await h.deps.store.close();
  });

  it('survives a restart, needs an admin and a printable reason', async () => {
    const h = await harness();
    expect((await h.app.request('/v1/freeze', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'x' }) })).status).toBe(401);
    for (const bad of [{}, { reason: '' }, { reason: 'line\nfake row' }, { reason: 'x', scope: 'all' }, { reason: 'x', agent: 7 }]) {
      const r = await h.adminRequest('/v1/freeze', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bad) });
      expect(r.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await h.adminRequest('/v1/freeze', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'durable' }) })).status).toBe(201);
    await h.deps.store.close();
    // The same database again (on PostgreSQL: the same schema), as a restarted node opens it.
    const { store } = parse(readFileSync(join(h.dir, 'tollgate.yaml'), 'utf8')) as { store: unknown };
    const again = await harness({ dir: h.dir, configPatch: (c) => void (c.store = store) });
    expect(((await (await again.adminRequest('/v1/freeze')).json()) as { frozen: boolean })).toMatchObject({ frozen: true });
    expect((await again.exchange({ subject_token: await again.agentToken(), scope: 'demo:reports:read' })).status).toBe(403);
    await again.deps.store.close();
  });
});
