import { createHash } from 'node:crypto';
import Sqlite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalEvent } from '../../src/audit/canonical.ts';
import { draft } from '../../src/audit/event.ts';
import type { AuditEvent } from '../../src/audit/event.ts';
import { readAllEvents } from '../../src/audit/read-all.ts';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import { chainLink, encodeLink } from '../../src/audit/chain-link.ts';
import { rowToEvent } from '../../src/store/sqlite/audit-rows.ts';
import type { AuditRow } from '../../src/store/sqlite/audit-rows.ts';
import type { ChainReport } from '../../src/audit/verify-chain.ts';
import { T0, grantDraft, makeGrant, revokeCtx, seedActive, tempStore } from './fixtures.ts';
import type { TempStore } from './fixtures.ts';

const EVENTS = 12;

/** Events of every kind the store writes: its own (revocation) and callers' (grant, denial). */
async function fillLog(t: TempStore): Promise<void> {
  await seedActive(t.store, { agent: 'a' });
  const g = makeGrant({ status: 'pending_approval' });
  await t.store.createGrant(g, grantDraft('grant.pending_approval', g));
  await t.store.revokeBatch({ agent: 'a' }, revokeCtx(), 10);
  while ((await t.store.auditHead())!.seq < EVENTS) {
    await t.store.appendAudit(draft('exchange.denied', T0, { agent: 'b', reason: 'policy', policy_ids: ['deny-all'], detail: { n: 1 } }));
  }
}

async function verifyStore(t: TempStore): Promise<ChainReport> {
  return verifyChain(readAllEvents(t.store, 5), await t.store.auditHead());
}

/** A second connection to the file, as someone with disk access would have, past the append-only triggers. */
function tamper(t: TempStore, sql: (db: Sqlite.Database) => void): void {
  const db = new Sqlite(t.path);
  db.exec('DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;');
  sql(db);
  db.close();
}

const kinds = (r: ChainReport) => r.problems.map((p) => [p.seq, p.kind]);

describe('audit chain on the sqlite store', () => {
  let t: TempStore;
  beforeEach(async () => {
    t = tempStore();
    await fillLog(t);
  });
  afterEach(async () => t.cleanup());

  it('verifies an untouched log', async () => {
    expect(await verifyStore(t)).toEqual({ ok: true, checked: EVENTS, problems: [] });
  });

  it('the application itself cannot rewrite or delete events', () => {
    expect(() => t.store.db.exec(`UPDATE audit_events SET reason = 'x' WHERE seq = 1`)).toThrow(/append-only/);
    expect(() => t.store.db.exec('DELETE FROM audit_events WHERE seq = 1')).toThrow(/append-only/);
  });

  it('finds an edited field', async () => {
    tamper(t, (db) => db.exec(`UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 5`));
    const r = await verifyStore(t);
    expect(r.ok).toBe(false);
    expect(kinds(r)).toEqual([[5, 'edited']]);
  });

  it('finds an edit whose hash was recomputed, at the broken link after it', async () => {
    tamper(t, (db) => {
      db.exec(`UPDATE audit_events SET reason = 'forged' WHERE seq = 5`);
      const [e] = readRows(db, 5, 5);
      db.prepare('UPDATE audit_events SET hash = ? WHERE seq = 5').run(rehash(e!));
    });
    expect(kinds(await verifyStore(t))).toEqual([[6, 'broken_link']]);
  });

  it('finds a deleted middle event', async () => {
    tamper(t, (db) => db.exec('DELETE FROM audit_events WHERE seq = 5'));
    const r = await verifyStore(t);
    expect(kinds(r)).toEqual([[5, 'missing']]);
    expect(r.checked).toBe(EVENTS - 1);
  });

  it('finds two events swapped', async () => {
    tamper(t, (db) => {
      const rows = db.prepare<[], Record<string, unknown>>('SELECT * FROM audit_events WHERE seq IN (3, 5) ORDER BY seq').all();
      const cols = Object.keys(rows[0]!).filter((c) => c !== 'seq');
      const put = db.prepare(`UPDATE audit_events SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE seq = @seq`);
      put.run({ ...rows[1], seq: 3 });
      put.run({ ...rows[0], seq: 5 });
    });
    const r = await verifyStore(t);
    expect(kinds(r)).toEqual([
      [3, 'reordered'],
      [5, 'reordered'],
    ]);
    expect(r.problems[0]?.detail).toContain('holds event 5');
  });

  it('finds a deleted tail', async () => {
    tamper(t, (db) => db.exec(`DELETE FROM audit_events WHERE seq = ${EVENTS}`));
    expect(kinds(await verifyStore(t))).toEqual([[EVENTS, 'head_mismatch']]);
  });

  it('finds a rewritten head', async () => {
    tamper(t, (db) => db.exec(`UPDATE audit_head SET hash = '${'f'.repeat(64)}'`));
    expect(kinds(await verifyStore(t))).toEqual([[EVENTS, 'head_mismatch']]);
  });

  it('ignores events appended after the head was read', async () => {
    const head = await t.store.auditHead();
    await t.store.appendAudit(draft('exchange.rejected', T0, {}));
    expect(await verifyChain(readAllEvents(t.store), head)).toEqual({ ok: true, checked: EVENTS, problems: [] });
  });
});

describe('audit encoding', () => {
  it('hashes the same bytes as canonicalEvent', () => {
    const drafts = [
      draft('exchange.denied', T0, {}),
      draft('grant.revoked', T0, {
        act: { sub: 'a', iss: 'https://idp', act: { sub: 'b' } },
        actions: ['read', 'write'],
        policy_ids: ['p"1', 'p\\2'],
        decision: 'deny',
        reason: 'r\ud800',
        detail: { z: 1, a: [{ y: 2, b: 1 }], d: new Date(0), u: undefined, '': null },
      }),
    ];
    for (const d of drafts) {
      const link = chainLink(d, 7, 'a'.repeat(64));
      expect(encodeLink(link).canonical).toBe(canonicalEvent(link));
    }
  });
});

describe('audit round trip', () => {
  let t: TempStore;
  beforeEach(() => {
    t = tempStore();
  });
  afterEach(async () => t.cleanup());

  it('stores awkward values so that they still verify', async () => {
    const stored = await t.store.appendAudit(
      draft('exchange.rejected', T0, {
        reason: 'lone \ud800 surrogate, control \u0000\u001b chars',
        agent: 'emoji 🚀',
        detail: { when: new Date(T0), gone: undefined, nan: Number.NaN, list: [undefined, 1], '\ud800key': 'v' },
      }),
    );
    const [read] = await t.store.readAudit(0, 1);
    expect(canonicalEvent(withoutHash(read!))).toBe(canonicalEvent(withoutHash(stored)));
    expect(read?.agent).toBe('emoji 🚀');
    expect(read?.reason).toContain('\u0000\u001b');
    expect((await verifyStore(t)).ok).toBe(true);
  });

  it('reads pages of any size, including past the store cap', async () => {
    for (let i = 0; i < 7; i++) await t.store.appendAudit(draft('exchange.denied', T0 + i, {}));
    for (const size of [1, 3, 7, 50_000]) {
      const seqs: number[] = [];
      for await (const e of readAllEvents(t.store, size)) seqs.push(e.seq);
      expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }
  });
});

describe('verifyChain on a stream', () => {
  async function chain(n: number): Promise<AuditEvent[]> {
    const t = tempStore();
    for (let i = 0; i < n; i++) await t.store.appendAudit(draft('exchange.denied', T0 + i, { reason: `r${i}` }));
    const events = await t.store.readAudit(0, n);
    await t.cleanup();
    return events;
  }

  it('reports an export whose lines were reordered', async () => {
    const [e1, e2, e3, e4, e5] = await chain(5);
    const r = await verifyChain([e1!, e2!, e4!, e3!, e5!], { seq: 5, hash: e5!.hash });
    expect(r.problems.map((p) => p.kind)).toContain('reordered');
    expect(r.ok).toBe(false);
  });

  it('accepts an empty log with no head, and flags one whose head says otherwise', async () => {
    expect(await verifyChain([], null)).toEqual({ ok: true, checked: 0, problems: [] });
    expect(kinds(await verifyChain([], { seq: 3, hash: 'x' }))).toEqual([[1, 'head_mismatch']]);
  });

  it('flags a first event that does not start from genesis', async () => {
    const [e1] = await chain(1);
    const forged = { ...e1!, prev_hash: 'f'.repeat(64) };
    forged.hash = rehash(forged);
    expect(kinds(await verifyChain([forged], { seq: 1, hash: forged.hash }))).toEqual([[1, 'broken_link']]);
  });

  it('keeps going past many problems but reports only the first hundred or so', async () => {
    const events = (await chain(150)).map((e) => ({ ...e, reason: 'edited' }));
    const r = await verifyChain(events, { seq: 150, hash: events[149]!.hash });
    expect(r.checked).toBe(150);
    expect(r.problems).toHaveLength(100);
    expect(r.problems.every((p) => p.kind === 'edited')).toBe(true);
  });
});

function withoutHash(e: AuditEvent): Omit<AuditEvent, 'hash'> {
  const { hash: _hash, ...rest } = e;
  return rest;
}

function rehash(e: AuditEvent): string {
  return createHash('sha256').update(canonicalEvent(withoutHash(e))).digest('hex');
}

function readRows(db: Sqlite.Database, from: number, to: number): AuditEvent[] {
  return db.prepare<[number, number], AuditRow>('SELECT * FROM audit_events WHERE seq BETWEEN ? AND ? ORDER BY seq').all(from, to).map(rowToEvent);
}

describe('verification from a point verified before', () => {
  let t: TempStore;
  beforeEach(async () => {
    t = tempStore();
    await fillLog(t);
  });
  afterEach(async () => t.cleanup());

  const since = async (seq: number, hash: string, digest?: (s: string) => string) => {
    const [anchor] = await t.store.readAudit(seq - 1, 1);
    return verifyChain(readAllEvents(t.store, 5, seq), await t.store.auditHead(), { from: { seq, hash, anchor: anchor ?? null }, ...(digest ? { digest } : {}) });
  };

  it('checks only what follows the point, says where it started, and with Node hashing agrees with Web Crypto', async () => {
    const first = await verifyStore(t);
    const head = (await t.store.auditHead())!;
    expect(first).toMatchObject({ ok: true, checked: EVENTS });
    for (let i = 0; i < 5; i++) await t.store.appendAudit(draft('exchange.denied', T0 + i, { reason: 'later' }));
    const next = await since(head.seq, head.hash);
    expect(next).toEqual({ ok: true, checked: 5, problems: [], from: { seq: head.seq, hash: head.hash } });
    const node = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(await since(head.seq, head.hash, node)).toEqual(next);
    expect(await verifyChain(readAllEvents(t.store), await t.store.auditHead(), { digest: node })).toMatchObject({ ok: true, checked: EVENTS + 5 });
  });

  it('finds an edit after the point, and refuses a point that no longer holds', async () => {
    const head = (await t.store.auditHead())!;
    for (let i = 0; i < 3; i++) await t.store.appendAudit(draft('exchange.denied', T0 + i, { reason: 'later' }));
    tamper(t, (db) => db.prepare('UPDATE audit_events SET reason = ? WHERE seq = ?').run('forged', head.seq + 2));
    expect((await since(head.seq, head.hash)).problems).toEqual([expect.objectContaining({ seq: head.seq + 2, kind: 'edited' })]);
    // The point itself rewritten (its stored hash changed), or named wrongly: nothing after it is trusted.
    const wrong = await since(head.seq, 'f'.repeat(64));
    expect(wrong.ok).toBe(false);
    expect(wrong.problems[0]).toMatchObject({ seq: head.seq, kind: 'broken_link' });
  });
});
