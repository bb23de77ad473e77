import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { draft } from '../../src/audit/event.ts';
import { verifyLiveChain } from '../../src/audit/verify-live.ts';
import { nodeSha256 } from '../../src/node/node-sha256.ts';
import { sqliteTail } from '../../src/node/verify-tail.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { tempStore, type TempStore } from '../store/fixtures.ts';

// A long chain verified in two halves at once (the second on a worker thread with its own
// connection to the file), as `tollgate audit verify --db` does past 200,000 events: the cut is
// made small here. Whatever is edited, on either side of the cut or at it, is found.
const N = 2000;
const KEYS = { jwks: { keys: [] }, algorithms: ['ES256'] };
let t: TempStore | null = null;
afterEach(async () => {
  await t?.cleanup();
  t = null;
});

async function chain(): Promise<string> {
  t = tempStore();
  for (let b = 0; b < N / 100; b++) await t.store.appendAudits(Array.from({ length: 100 }, (_, i) => draft('credential.issued', 1_760_000_000_000 + b * 100 + i, { detail: { n: b * 100 + i } })));
  await t.store.close();
  return t.path;
}

function tamper(path: string, sql: string): void {
  const db = new Sqlite(path);
  db.exec('DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete');
  db.exec(sql);
  db.close();
}

let tails = 0;
async function verify(path: string, split: boolean) {
  const store = openSqliteStore(path, { readonly: true });
  const tail = sqliteTail(path);
  try {
    return await verifyLiveChain(store, { digest: nodeSha256, keys: KEYS, ...(split ? { tail: (from, head) => (tails++, tail(from, head)), splitAt: 100 } : {}) });
  } finally {
    await store.close();
  }
}

describe('verification in two halves (verifyLiveChain with a tail on another thread)', () => {
  it('checks every event once and says what one piece says, untouched', async () => {
    const path = await chain();
    tails = 0;
    const [whole, halves] = [await verify(path, false), await verify(path, true)];
    expect(tails).toBe(1);
    expect(halves).toEqual(whole);
    expect(halves).toMatchObject({ ok: true, checked: N, problems: [], head_seq: N });
  });

  it('finds edits on both sides of the cut and at it, a deletion, and a rewritten link, as one piece does', async () => {
    const path = await chain();
    const cut = N / 2;
    tamper(path, `UPDATE audit_events SET reason = 'x' WHERE seq IN (3, ${cut}, ${cut + 1}, ${N - 5});
      DELETE FROM audit_events WHERE seq = ${cut + 300};
      UPDATE audit_events SET prev_hash = '${'0'.repeat(64)}' WHERE seq = ${cut - 200}`);
    const [whole, halves] = [await verify(path, false), await verify(path, true)];
    expect(halves.ok).toBe(false);
    expect(halves.problems.map((p) => [p.seq, p.kind])).toEqual(whole.problems.map((p) => [p.seq, p.kind]));
    expect(halves.problems.map((p) => p.seq)).toEqual(expect.arrayContaining([3, cut - 200, cut, cut + 1, cut + 300, N - 5]));
    expect(halves.checked).toBe(whole.checked);
  });

  it('cuts a rewritten event at the cut loose from its successor: the link after it breaks', async () => {
    const path = await chain();
    const cut = N / 2;
    // Its stored hash rewritten (as an attacker who recomputes it would): the next event no longer links to it.
    tamper(path, `UPDATE audit_events SET hash = '${'a'.repeat(64)}' WHERE seq = ${cut}`);
    const halves = await verify(path, true);
    expect(halves.ok).toBe(false);
    expect(halves.problems.map((p) => p.seq)).toEqual(expect.arrayContaining([cut]));
  });
});
