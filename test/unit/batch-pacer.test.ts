import { describe, expect, it } from 'vitest';
import { BATCH_BUDGET_MS, BatchPacer, MIN_BATCH } from '../../src/grants/batch-pacer.ts';
import { harness } from '../support/harness.ts';

/** Runs a pacer against a store whose batches hold the thread `msPerGrant` per grant plus `fixedMs`. */
function sizes(max: number, msPerGrant: number, fixedMs: number, batches: number): number[] {
  const p = new BatchPacer(max);
  const out: number[] = [];
  for (let i = 0; i < batches; i++) {
    out.push(p.size);
    p.record(fixedMs + p.size * msPerGrant);
  }
  return out;
}

describe('revocation batch pacing', () => {
  it.each([
    { name: 'a store that never holds the thread (D1) grows to the configured batch', max: 250, perGrant: 0, fixed: 0, settles: 250 },
    { name: 'a synchronous store settles where a batch fits the budget', max: 250, perGrant: 0.025, fixed: 0, settles: Math.round(BATCH_BUDGET_MS / 0.025) },
    { name: 'never above the configured batch', max: 8, perGrant: 0.001, fixed: 0, settles: 8 },
    { name: 'never below the floor, however slow a grant is', max: 250, perGrant: 5, fixed: 0, settles: MIN_BATCH },
    { name: 'a configured batch below the floor is honoured', max: 2, perGrant: 5, fixed: 0, settles: 2 },
  ])('$name', ({ max, perGrant, fixed, settles }) => {
    const s = sizes(max, perGrant, fixed, 60);
    expect(s.at(-1)).toBe(settles);
    for (let i = 1; i < s.length; i++) expect(s[i]!).toBeLessThanOrEqual(2 * s[i - 1]!);
    for (const n of s) expect(n).toBeGreaterThanOrEqual(Math.min(max, MIN_BATCH));
  });

  it('one slow batch (a checkpoint, a descheduled thread) shrinks the next ones, and they grow back', () => {
    const p = new BatchPacer(250);
    for (let i = 0; i < 30; i++) p.record(p.size * 0.025);
    const steady = p.size;
    p.record(40);
    expect(p.size).toBeLessThan(steady);
    for (let i = 0; i < 60; i++) p.record(p.size * 0.025);
    expect(p.size).toBe(steady);
  });

  it('a mass revocation paced in small batches marks every grant, once, and finishes', async () => {
    const h = await harness({ configPatch: (c) => void (c.server.revocation_batch = 3) });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await h.exchange({ subject_token: await h.agentToken('paced'), scope: 'demo:reports:read', task_id: `t-${i}` });
      ids.push(((await res.json()) as { grant_id: string }).grant_id);
    }
    const res = await h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'spiffe://example.org/agent/paced', reason: 'test' }) });
    const { revocation_id } = (await res.json()) as { revocation_id: string };
    let status: { status: string; revoked: number };
    do {
      await new Promise((r) => setTimeout(r, 5));
      status = (await (await h.adminRequest(`/v1/revocations/${revocation_id}`)).json()) as typeof status;
    } while (status.status !== 'finished');
    expect(status.revoked).toBe(20);
    for (const id of ids) expect(((await (await h.adminRequest(`/v1/grants/${id}`)).json()) as { status: string }).status).toBe('revoked');
    const audit = (await (await h.adminRequest('/v1/audit?after=0&limit=1000')).text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; grant_id: string | null });
    const revokedEvents = audit.filter((e) => e.type === 'grant.revoked');
    expect(new Set(revokedEvents.map((e) => e.grant_id))).toEqual(new Set(ids));
    expect(revokedEvents).toHaveLength(20);
    await h.deps.store.close();
  });
});
