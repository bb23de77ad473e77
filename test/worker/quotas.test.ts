import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerHarness, type WorkerHarness } from './worker-harness.ts';

// Quotas in workerd: the same app, buckets in the isolate's memory, the client address from
// cf-connecting-ip (which the edge sets; wrangler dev sets it too).
let h: WorkerHarness;
beforeAll(async () => {
  h = await workerHarness({
    configPatch: (c) => {
      c.server.quotas = { token: { agent: { per_minute: 1, burst: 2 } }, unauthenticated: { address: { per_minute: 1, burst: 2 } } };
      c.approvals = { max_pending_per_task: 1 };
    },
  });
}, 120_000);
afterAll(async () => h?.stop());

describe('Worker (workerd): quotas', () => {
  it('an agent over its token quota gets 429 slow_down with Retry-After; another agent is served', async () => {
    const token = await h.agentToken('quota-a');
    const ask = (t: string, task: string) => h.exchange({ subject_token: t, scope: 'demo:reports:read', task_id: task });
    expect((await ask(token, 'q-1')).status).toBe(200);
    expect((await ask(token, 'q-2')).status).toBe(200);
    const refused = await ask(token, 'q-3');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await refused.json()).error).toBe('slow_down');
    expect((await ask(await h.agentToken('quota-b'), 'q-4')).status).toBe(200);
  });

  it('pending approvals fold and are capped per task', async () => {
    const agent = await h.agentToken('quota-approver');
    const del = (intent: string) => h.exchange({ subject_token: agent, scope: 'demo:reports:delete', task_id: 'q-del', intent });
    const first = await (await del('one')).json();
    expect(first.error).toBe('authorization_pending');
    expect((await (await del('one')).json()).approval_id).toBe(first.approval_id);
  });

  it('an address whose requests keep failing authentication waits', async () => {
    expect((await h.form('/oauth/introspect', { token: 'x' })).status).toBe(401);
    expect((await h.form('/oauth/introspect', { token: 'x' })).status).toBe(401);
    const res = await h.form('/oauth/introspect', { token: 'x' });
    expect(res.status).toBe(429);
    expect((await h.adminRequest('/healthz/live')).status).toBe(429);
  });
});
