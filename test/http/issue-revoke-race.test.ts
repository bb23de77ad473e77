import { beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../support/harness.ts';

const ROUNDS = 1000;

let h: Harness;
beforeAll(async () => {
  // A thousand exchanges by one agent at one frozen instant: this race is not about quotas.
  h = await harness({ configPatch: (c) => (c.server.quotas = { enabled: false }) });
});

async function introspect(token: string): Promise<boolean> {
  const res = await h.adminRequest('/oauth/introspect', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  return (await res.json()).active;
}

/** Let the exchange run a varying distance ahead, so the revoke lands at every step of it. */
async function stagger(i: number): Promise<void> {
  for (let k = 0; k < i % 7; k++) await new Promise((r) => setImmediate(r));
}

describe('issuing while revoking', () => {
  it(`task completion racing an exchange leaves nothing alive (${ROUNDS} rounds)`, { timeout: 120_000 }, async () => {
    const agent = await h.agentToken('racer', { ttl: 3600 });
    let issued = 0;
    let refused = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const task = `race-${i}`;
      const exchange = h.exchange({ subject_token: agent, scope: 'demo:reports:read', task_id: task });
      await stagger(i);
      const done = await h.app.request(`/v1/tasks/${task}/complete`, { method: 'POST', headers: { authorization: `Bearer ${agent}` } });
      expect(done.status).toBe(200);
      const res = await exchange;
      // The revoke has returned: whatever the exchange got is dead, and the task takes no more.
      expect(await h.deps.store.countLive({ task_id: task })).toBe(0);
      if (res.status === 200) {
        issued++;
        expect(await introspect((await res.json()).access_token)).toBe(false);
      } else {
        refused++;
        expect(await res.json()).toMatchObject({ error: 'access_denied' });
      }
    }
    const after = await h.exchange({ subject_token: agent, scope: 'demo:reports:read', task_id: 'race-0' });
    expect(await after.json()).toMatchObject({ error: 'access_denied', error_description: expect.stringMatching(/task is complete/) });
    // Both orders happened, so the race was really run.
    expect(issued).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it(`a blocking mass revocation racing an exchange leaves nothing alive (${ROUNDS / 4} rounds)`, { timeout: 120_000 }, async () => {
    let issued = 0;
    let refused = 0;
    for (let i = 0; i < ROUNDS / 4; i++) {
      const name = `victim-${i}`;
      const agent = await h.agentToken(name);
      const exchange = h.exchange({ subject_token: agent, scope: 'demo:reports:read', task_id: 't' });
      await stagger(i);
      const rev = await h.adminRequest('/v1/revocations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ agent: `spiffe://example.org/agent/${name}`, block: true, reason: 'race' }),
      });
      expect(rev.status).toBe(202);
      const res = await exchange;
      if (res.status === 200) {
        issued++;
        expect(await introspect((await res.json()).access_token)).toBe(false);
      } else {
        refused++;
      }
      const again = await h.exchange({ subject_token: agent, scope: 'demo:reports:read', task_id: 't2' });
      expect(again.status).toBe(403);
    }
    // Once the background batches are done, no row is left live either.
    for (let i = 0; i < 100 && (await h.deps.store.unfinishedRevocations()).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < ROUNDS / 4; i++) expect(await h.deps.store.countLive({ agent: `spiffe://example.org/agent/victim-${i}` })).toBe(0);
    expect(issued + refused).toBe(ROUNDS / 4);
    expect(refused).toBeGreaterThan(0);
  });
});
