import { afterEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { BoundSql } from '../../src/store/sqlite/filter-sql.ts';
import { listQuery, liveQuery } from '../../src/store/sqlite/grant-table.ts';
import { loadMigrations } from '../../src/store/sqlite/migrate.ts';
import { describeApprovalContract, describeRefusalContract } from './approval-contract.ts';
import { describeStoreContract } from './store-contract.ts';
import { grantDraft, makeGrant, tempStore } from './fixtures.ts';
import type { TempStore } from './fixtures.ts';

describeStoreContract('sqlite', tempStore);
describeApprovalContract('sqlite', tempStore);
describeRefusalContract('sqlite', tempStore);

describe('sqlite store', () => {
  let t: TempStore;
  afterEach(async () => t.cleanup());

  it('sets the pragmas and migrates to the latest version, once', async () => {
    t = tempStore();
    const { db } = t.store;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('user_version', { simple: true })).toBe(loadMigrations().length);
    await t.store.close();
    const again = openSqliteStore(t.path);
    expect(again.db.pragma('user_version', { simple: true })).toBe(loadMigrations().length);
    await again.close();
  });

  it('refuses a database from a newer build', async () => {
    t = tempStore();
    t.store.db.pragma('user_version = 999');
    await t.store.close();
    expect(() => openSqliteStore(t.path)).toThrow(/newer than this build/);
  });

  // Revocation must not slow down as history grows: each shape of filter has to reach its grants
  // through an index that holds no (or, for a task, hardly any) revoked and expired rows.
  it.each([
    [{ agent: 'a' }, 'grants_live_agent'],
    [{ principal: 'p', owner: 'o' }, 'grants_live_principal'],
    [{ owner: 'o' }, 'grants_status_expires'],
    [{ provider: 'p' }, 'grants_status_expires'],
    [{ resource: 'r' }, 'grants_status_expires'],
    [{ task_id: 't', agent: 'a' }, 'grants_task'],
    [{ grant_ids: ['grt_x'], agent: 'a' }, 'sqlite_autoindex_grants_1'],
    [{ all: true }, 'grants_status_expires'],
    [{ issued_before: 5 }, 'grants_status_expires'],
  ])('revokes %j through %s', async (filter, index) => {
    t = tempStore();
    expect(plan(liveQuery(filter, 10))).toMatch(new RegExp(`^SEARCH grants USING (COVERING )?INDEX ${index} `));
    await expect(t.store.countLive(filter)).resolves.toBe(0);
  });

  // A page must not sort a whole status's history: revoked rows are walked newest first.
  it.each([
    [{}, 'SCAN grants USING INDEX grants_created'],
    [{ status: 'revoked' }, 'SCAN grants USING INDEX grants_created'],
    [{ status: 'pending_approval' }, 'SEARCH grants USING INDEX grants_status_expires'],
    [{ agent: 'a', status: 'expired' }, 'SEARCH grants USING INDEX grants_agent'],
    [{ owner: 'o', issued_before: 5 }, 'SEARCH grants USING INDEX grants_owner'],
  ] as const)('lists %j by %s', (filter, expected) => {
    t = tempStore();
    expect(plan(listQuery(filter, null, 10))).toContain(expected);
    expect(plan(listQuery(filter, { created_at: 1, id: 'grt_x' }, 10))).toMatch(/^SEARCH grants USING INDEX grants_/);
  });

  const plan = (q: BoundSql) =>
    t.store.db
      .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${q.sql}`)
      .all(...q.params)
      .map((r) => r.detail)
      .join(' | ');

  it('lets exactly one of several processes win a transition race', async () => {
    t = tempStore();
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const g = makeGrant();
      await t.store.createGrant(g, grantDraft('grant.issuing', g));
      ids.push(g.id);
    }
    const barrier = new SharedArrayBuffer(4);
    const racers = await Promise.all(
      [0, 1, 2, 3].map(
        (n, _, all) =>
          new Promise<string[]>((resolve, reject) => {
            const workerData = { path: t.path, ids, start: (n * ids.length) / all.length, name: `racer-${n}`, barrier, racers: all.length };
            const w = new Worker(new URL('./transition-racer.ts', import.meta.url), { workerData });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    const wins = racers.flat();
    expect(wins.sort()).toEqual([...ids].sort());
    const events = await t.store.readAudit(0, 1000);
    expect(events.filter((e) => e.type === 'grant.active')).toHaveLength(ids.length);
  });
});
