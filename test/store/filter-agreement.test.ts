import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesFilter } from '../../src/grants/revocation-filter.ts';
import type { Grant } from '../../src/model/grant.ts';
import type { RevocationFilter } from '../../src/store/store.ts';
import { T0, seedActive, tempStore, type TempStore } from './fixtures.ts';

// A mass revocation binds every path through matchesFilter before its batches run in SQL, so the
// two must name exactly the same grants. Seeded pseudo-random filters over a small value space.
let t: TempStore;
const grants: Grant[] = [];
let seed = 42;
const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
const pick = <T,>(xs: T[]) => xs[rand(xs.length)]!;

beforeAll(async () => {
  t = await tempStore();
  for (let i = 0; i < 120; i++) {
    grants.push(
      await seedActive(t.store, {
        agent: pick(['a1', 'a2', 'a3']),
        principal: pick(['p1', 'p2', null]),
        owner: pick(['o1', 'o2']),
        provider: pick(['vault', 'aws-sts']),
        resource: pick(['r1', 'r2']),
        task_id: pick(['t1', 't2', 't3']),
        created_at: T0 + rand(10) * 1000,
      }),
    );
  }
});
afterAll(async () => t.cleanup());

describe('matchesFilter agrees with the SQL filter', () => {
  it('on 300 random filters', async () => {
    for (let i = 0; i < 300; i++) {
      const f: RevocationFilter = {};
      if (rand(3) === 0) f.agent = pick(['a1', 'a2', 'a3', 'zz']);
      if (rand(3) === 0) f.principal = pick(['p1', 'p2', 'zz']);
      if (rand(4) === 0) f.owner = pick(['o1', 'o2']);
      if (rand(4) === 0) f.provider = pick(['vault', 'aws-sts']);
      if (rand(4) === 0) f.resource = pick(['r1', 'r2']);
      if (rand(4) === 0) f.task_id = pick(['t1', 't2', 't3']);
      if (rand(4) === 0) f.issued_before = T0 + rand(11) * 1000;
      if (rand(5) === 0) f.grant_ids = grants.filter(() => rand(4) === 0).map((g) => g.id);
      if (Object.keys(f).length === 0 || rand(10) === 0) f.all = true;
      const expected = grants.filter((g) => matchesFilter(f, g)).length;
      expect(await t.store.countLive(f), JSON.stringify(f)).toBe(expected);
    }
  });
});
