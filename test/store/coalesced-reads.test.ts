import { describe, expect, it } from 'vitest';
import { coalescedReads } from '../../src/store/sql/coalesced-reads.ts';

/** A read whose statements are held until released, recording the keys of each. */
function heldReads() {
  const statements: string[][] = [];
  const pending: (() => void)[] = [];
  let fail: Error | null = null;
  const readMany = (keys: string[]) =>
    new Promise<Map<string, string>>((resolve, reject) => {
      statements.push(keys);
      const err = fail;
      pending.push(() => (err ? reject(err) : resolve(new Map(keys.filter((k) => !k.startsWith('missing')).map((k) => [k, `view of ${k}`])))));
    });
  return {
    readMany,
    statements,
    release: async () => {
      pending.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    },
    failNext: (e: Error) => (fail = e),
  };
}

describe('coalesced reads', () => {
  it('reads a key alone at once when nothing is out, and the keys that waited meanwhile in one statement', async () => {
    const r = heldReads();
    const read = coalescedReads(r.readMany, { maxInFlight: 1, maxKeys: 10 });
    const first = read('a');
    expect(r.statements).toEqual([['a']]);
    const rest = [read('b'), read('c'), read('b'), read('missing-1')];
    expect(r.statements).toHaveLength(1);
    await r.release();
    expect(await first).toBe('view of a');
    expect(r.statements[1]).toEqual(['b', 'c', 'missing-1']);
    await r.release();
    expect(await Promise.all(rest)).toEqual(['view of b', 'view of c', 'view of b', null]);
  });

  it('keeps at most maxInFlight statements out and maxKeys keys in each', async () => {
    const r = heldReads();
    const read = coalescedReads(r.readMany, { maxInFlight: 2, maxKeys: 3 });
    const all = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'].map((k) => read(k));
    expect(r.statements).toEqual([['k0'], ['k1']]);
    await r.release();
    expect(r.statements[2]).toEqual(['k2', 'k3', 'k4']);
    await r.release();
    expect(r.statements[3]).toEqual(['k5', 'k6', 'k7']);
    await r.release();
    await r.release();
    expect(await Promise.all(all)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'].map((k) => `view of ${k}`));
  });

  it('fails every caller of a failed statement, and only those', async () => {
    const r = heldReads();
    const read = coalescedReads(r.readMany, { maxInFlight: 1, maxKeys: 10 });
    const first = read('a');
    r.failNext(new Error('connection lost'));
    const second = Promise.allSettled([read('b'), read('c')]);
    await r.release();
    await r.release();
    expect(await first).toBe('view of a');
    expect((await second).map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.status))).toEqual(['connection lost', 'connection lost']);
  });
});
