import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { draft } from '../../src/audit/event.ts';
import { readAllEvents } from '../../src/audit/read-all.ts';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import { WAL_CAP_BYTES } from '../../src/store/sqlite/checkpointer.ts';
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

  it('keep the WAL bounded under a writer that never pauses: it is truncated once it passes its cap', { timeout: 60_000 }, async () => {
    t = tempStore();
    const { store, path } = t;
    const wal = () => statSync(path + '-wal').size;
    let i = 0;
    const write = async (n: number) => {
      for (const end = i + n; i < end; i++) await store.appendAudits(Array.from({ length: 8 }, (_, j) => draft('credential.issued', 1_760_000_000_000 + i, { detail: { n: i, j, pad: 'x'.repeat(400) } })));
    };
    await write(600);
    await until(() => store.db.pragma('wal_autocheckpoint', { simple: true }) === 0);
    // Back to back, as a busy gateway writes (the event loop turns between requests): PASSIVE
    // checkpoints alone never catch up with this.
    let largest = 0;
    let written = 0;
    let truncated = false;
    while (written < 4 * WAL_CAP_BYTES || !truncated) {
      const before = wal();
      await write(50);
      await new Promise((r) => setImmediate(r));
      const after = wal();
      written += Math.max(0, after - before);
      if (after < before) truncated = true;
      largest = Math.max(largest, after);
      if (written > 12 * WAL_CAP_BYTES) break;
    }
    expect(truncated).toBe(true);
    // The cap plus what this writer (far faster than any gateway) writes in one checkpoint interval.
    expect(largest).toBeLessThan(4 * WAL_CAP_BYTES);
    await store.close();

    const again = openSqliteStore(path, { readonly: true });
    const report = await verifyChain(await readAll(again), await again.auditHead());
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(i * 8);
    await again.close();
  });
});

async function readAll(store: Awaited<ReturnType<typeof openSqliteStore>>) {
  const events = [];
  for await (const e of readAllEvents(store)) events.push(e);
  return events;
}
