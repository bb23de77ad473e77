import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { draft } from '../../src/audit/event.ts';
import { readAllEvents } from '../../src/audit/read-all.ts';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { tempStore, type TempStore } from './fixtures.ts';

const until = async (what: () => boolean) => {
  while (!what()) await new Promise((r) => setTimeout(r, 50));
};

describe('WAL checkpoints on their own thread', () => {
  let t: TempStore | null = null;
  afterEach(async () => {
    await t?.cleanup();
    t = null;
  });

  it('take over once the WAL has grown, move the pages into the database file, and leave an intact chain', { timeout: 30_000 }, async () => {
    t = tempStore();
    const { store, path } = t;
    const write = async (n: number) => {
      for (let i = 0; i < n; i++) await store.appendAudits(Array.from({ length: 8 }, (_, j) => draft('credential.issued', 1_760_000_000_000 + i, { detail: { n: i, j, pad: 'x'.repeat(300) } })));
    };
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await write(600); // well over a megabyte of WAL
    await until(() => store.db.pragma('wal_autocheckpoint', { simple: true }) === 0);
    const before = statSync(path).size;
    await write(600);
    // Only the thread checkpoints now, and the database file grows as it does.
    await until(() => statSync(path).size > before);
    await store.close();

    const again = openSqliteStore(path, { readonly: true });
    const events = [];
    for await (const e of readAllEvents(again)) events.push(e);
    expect(events).toHaveLength(1200 * 8);
    const report = await verifyChain(events, await again.auditHead());
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    await again.close();
  });
});
