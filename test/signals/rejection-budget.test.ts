import { describe, expect, it } from 'vitest';
import { RejectionBudget } from '../../src/signals/rejection-budget.ts';
import { signalsHarness } from './transmitter.ts';

describe('refused SETs and the audit log', () => {
  it('a flood of garbage writes a bounded number of events, and the next one says how many were not', async () => {
    const h = await signalsHarness();
    for (let i = 0; i < 80; i++) expect((await h.push('not.a.set')).status).toBe(400);
    expect(await h.auditOf('signal.rejected')).toHaveLength(50);
    h.clock.now += 1000;
    expect((await h.push('still.not.a.set')).status).toBe(400);
    const events = await h.auditOf('signal.rejected');
    expect(events).toHaveLength(51);
    expect(events.at(-1)!.detail.unaudited_refusals_before).toBe(30);
  });

  it('refills at its rate and never above its burst', () => {
    const b = new RejectionBudget(2, 3, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([0, 0, 0, null]);
    expect(b.take(499)).toBeNull();
    expect(b.take(500)).toBe(2);
    expect(b.take(100_000)).toBe(0);
    expect([b.take(100_000), b.take(100_000), b.take(100_000)]).toEqual([0, 0, null]);
  });
});
