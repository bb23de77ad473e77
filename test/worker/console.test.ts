import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleClient, signInWithKey } from '../console/console-client.ts';
import { workerHarness, type WorkerHarness } from './worker-harness.ts';

// The console is part of the same Hono app: in workerd, on D1, its pages render, its session
// (a JWT in a cookie, nothing kept server-side) works across requests, and its forms act.
let h: WorkerHarness;
beforeAll(async () => {
  h = await workerHarness();
}, 120_000);
afterAll(async () => h?.stop());

describe('Worker (workerd, D1): the console', () => {
  it('signs an admin in, lists a waiting approval, freezes and unfreezes', async () => {
    const asked = (await (await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:delete', task_id: 'task-c1', intent: 'tidy <b>up</b>' })).json()) as { approval_id: string };
    const c = consoleClient(h, 'https://tollgate.test');
    const signIn = await c.get('/console/sign-in');
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect((await signInWithKey(c)).status).toBe(303);

    const inbox = await (await c.get('/console/approvals')).text();
    expect(inbox).toContain(`data-approval="${asked.approval_id}"`);
    expect(inbox).toContain('tidy &lt;b&gt;up&lt;/b&gt;');

    await c.get('/console/emergency');
    expect((await c.post('/console/emergency/freeze', { reason: 'incident on the edge' })).status).toBe(303);
    const refused = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', task_id: 'task-c2' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error_description: string }).error_description).toMatch(/frozen by an operator/);
    expect(await (await c.get('/console/emergency')).text()).toContain('FROZEN');
    expect((await c.post('/console/emergency/unfreeze', {})).status).toBe(303);
    expect((await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', task_id: 'task-c3' })).status).toBe(200);
  });
});
