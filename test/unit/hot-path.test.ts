import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.ts';
import { deferToHotPath, onHotPath } from '../../src/grants/hot-path.ts';

describe('background work defers to gateway calls in progress', () => {
  it('waits while a call is in flight and goes on once it is done', async () => {
    const deps = {} as Deps;
    let release!: () => void;
    const call = onHotPath(deps, () => new Promise<void>((r) => (release = r)));
    const order: string[] = [];
    let yields = 0;
    const deferred = deferToHotPath(deps, async () => {
      yields++;
      if (yields === 3) {
        order.push('call done');
        release();
        await call;
      }
      await new Promise((r) => setImmediate(r));
    }).then(() => order.push('background goes on'));
    await deferred;
    expect(order).toEqual(['call done', 'background goes on']);
    expect(yields).toBe(3);
  });

  it('does not wait at all when nothing is in flight, and never forever when something is', async () => {
    const deps = {} as Deps;
    let yields = 0;
    await deferToHotPath(deps, async () => void yields++);
    expect(yields).toBe(0);
    void onHotPath(deps, () => new Promise<void>(() => {}));
    let waited = 0;
    // A call that never ends: the wait is bounded by MAX_DEFER_MS (the test would time out otherwise).
    await deferToHotPath(deps, async () => {
      waited++;
      await new Promise((r) => setImmediate(r));
    });
    expect(waited).toBeGreaterThan(0);
  });
});
