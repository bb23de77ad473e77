// The Store contract suite, run inside workerd against a real (local) D1 database, and what
// only D1 has: its migration table, batch failure, write contention, chunked batches.
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalEvent } from '../../src/audit/canonical.ts';
import { draft } from '../../src/audit/event.ts';
import type { AuditEvent } from '../../src/audit/event.ts';
import { openD1Store } from '../../src/store/d1/d1-store.ts';
import type { D1Store } from '../../src/store/d1/d1-store.ts';
import { MAX_ATTEMPTS } from '../../src/store/sql/guard.ts';
import { migrateD1 } from '../../src/store/d1/migrate.ts';
import { MIGRATIONS } from '../../src/store/d1/migrations.generated.ts';
import { describeApprovalContract, describeRefusalContract } from '../store/approval-contract.ts';
import { describeRiskStoreContract } from '../store/risk-contract.ts';
import { describeAuditRetentionContract } from '../store/audit-retention-contract.ts';
import { describeStoreContract } from '../store/store-contract.ts';
import { T0, grantDraft, makeGrant, revokeCtx, seedActive } from '../store/grant-fixtures.ts';
import { db, freshStore, reset, verifyStore } from './support.ts';

const fresh = async () => ({ store: await freshStore(), cleanup: () => reset() });
describeStoreContract('d1', fresh);
describeApprovalContract('d1', fresh);
describeRefusalContract('d1', fresh);
describeRiskStoreContract('d1', fresh);
describeAuditRetentionContract('d1', fresh);

const versions = async () => (await db.prepare('SELECT version FROM schema_migrations ORDER BY version').all<{ version: number }>()).results.map((r) => r.version);

describe('d1 store', () => {
  let store: D1Store;
  afterEach(() => reset());

  describe('migrations', () => {
    it('applies every bundled migration once, even when several isolates open a fresh database together', async () => {
      await reset();
      await Promise.all([openD1Store(db), openD1Store(db), openD1Store(db)]);
      expect(await versions()).toEqual(MIGRATIONS.map((m) => m.version));
      await migrateD1(db);
      expect(await versions()).toEqual(MIGRATIONS.map((m) => m.version));
      const tables = (await db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all<{ name: string }>()).results.map((r) => r.name);
      expect(tables).toEqual(expect.arrayContaining(['grants', 'audit_events', 'audit_head', 'revocations', 'blocks', 'revocation_jobs', 'revocation_tallies']));
    });

    it('refuses a database from a newer build', async () => {
      store = await freshStore();
      await db.prepare(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '999_future.sql', 0)`).run();
      await expect(openD1Store(db)).rejects.toThrow(/newer than this build/);
    });

    it('rolls a failing migration back whole', async () => {
      await reset();
      const broken = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'xxx_broken.sql', sql: 'CREATE TABLE half_done (x); SELECT * FROM no_such_table;' }];
      await expect(migrateD1(db, broken)).rejects.toThrow(/xxx_broken/);
      expect(await versions()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await db.prepare(`SELECT name FROM sqlite_master WHERE name = 'half_done'`).first()).toBeNull();
    });
  });

  describe('the audit log', () => {
    it('cannot be rewritten or deleted through the binding', async () => {
      store = await freshStore();
      await store.appendAudit(draft('exchange.denied', T0, {}));
      await expect(db.prepare(`UPDATE audit_events SET reason = 'x' WHERE seq = 1`).run()).rejects.toThrow(/append-only/);
      await expect(db.prepare('DELETE FROM audit_events WHERE seq = 1').run()).rejects.toThrow(/append-only/);
    });

    it('stores awkward values so that they still verify', async () => {
      store = await freshStore();
      const stored = await store.appendAudit(
        draft('exchange.rejected', T0, {
          reason: 'lone \ud800 surrogate, control \u0000\u001b chars',
          agent: 'emoji 🚀',
          detail: { when: new Date(T0), gone: undefined, nan: Number.NaN, list: [undefined, 1], '\ud800key': 'v', big: 2 ** 53 - 1, frac: 0.1 },
        }),
      );
      const [read] = await store.readAudit(0, 1);
      expect(canonicalEvent(withoutHash(read!))).toBe(canonicalEvent(withoutHash(stored)));
      expect(read?.reason).toContain('\u0000\u001b');
      expect((await verifyStore(store)).ok).toBe(true);
    });
  });

  describe('when a batch fails', () => {
    it('writes nothing of the operation, and does not retry an error that is not a race', async () => {
      store = await freshStore();
      const active = await seedActive(store);
      const issuing = makeGrant();
      await store.createGrant(issuing, grantDraft('grant.issuing', issuing));
      const head = await store.auditHead();
      await db.prepare(`CREATE TRIGGER audit_fails BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`).run();

      const g = makeGrant();
      await expect(store.createGrant(g, grantDraft('grant.issuing', g))).rejects.toThrow(/disk on fire/);
      await expect(store.transition(issuing.id, ['issuing'], 'active', { lease: 'l' }, grantDraft('grant.active', issuing))).rejects.toThrow(/disk on fire/);
      await expect(store.revokeBatch({ all: true }, revokeCtx(), 100)).rejects.toThrow(/disk on fire/);
      expect(await store.getGrant(g.id)).toBeNull();
      expect(await store.getGrant(issuing.id)).toEqual(issuing);
      expect(await store.getGrant(active.id)).toEqual(active);
      expect(await store.dueJobs(Number.MAX_SAFE_INTEGER, 100)).toEqual([]);
      expect(await store.auditHead()).toEqual(head);
    });

    it('gives up after a bounded number of lost races, with a retryable error', async () => {
      store = await freshStore();
      // Every append now looks like it lost a race.
      await db.prepare(`CREATE TRIGGER always_stale BEFORE INSERT ON audit_events BEGIN INSERT INTO write_guard (stale) VALUES (1); END`).run();
      const err = await store.appendAudit(draft('exchange.denied', T0, {})).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'STORE_CONTENDED', retry: true });
      expect((err as Error).message).toContain(`${MAX_ATTEMPTS} write races`);
      expect(await store.auditHead()).toBeNull();
    });
  });

  describe('large operations', () => {
    it('revokes past one batch and past one JSON parameter, every grant with its event, job and tally', async () => {
      store = await freshStore({ maxWriteRows: 7, maxParamBytes: 600 });
      const record = { id: 'rev_big', filter: { all: true }, reason: 'incident', requested_by: 'admin', block: false, created_at: T0, finished_at: null, revoked_count: 0 };
      await store.createRevocation(record, draft('revocation.started', T0, {}));
      for (let i = 0; i < 24; i++) {
        if (i % 3 === 0) {
          const g = makeGrant({ created_at: T0 + i });
          await store.createGrant(g, grantDraft('grant.issuing', g));
        } else {
          await seedActive(store, { created_at: T0 + i, provider: i % 2 ? 'vault' : 'aws-sts', lease: i % 5 === 0 ? null : undefined });
        }
      }
      const ctx = revokeCtx({ revocation_id: record.id });
      expect(await store.revokeBatch(record.filter, ctx, 10)).toHaveLength(10);
      expect(await store.revokeBatch(record.filter, ctx, 1000)).toHaveLength(14);
      expect(await store.countLive({ all: true })).toBe(0);
      const events = await store.readAudit(0, 1000);
      expect(events.filter((e) => e.type === 'grant.revoked')).toHaveLength(24);
      const all = (await store.listGrants({}, 100, null)).grants;
      const owed = all.filter((g) => g.lease !== null || events.some((e) => e.grant_id === g.id && e.detail?.previous_status === 'issuing'));
      expect((await store.dueJobs(Number.MAX_SAFE_INTEGER, 1000)).map((j) => j.grant_id).sort()).toEqual(owed.map((g) => g.id).sort());
      expect((await store.getRevocation(record.id))?.revoked_count).toBe(24);
      expect((await store.revocationTally(record.id)).reduce((n, t) => n + t.grants, 0)).toBe(24);
      expect(await verifyStore(store)).toMatchObject({ ok: true, checked: events.length });
    });

    it('expires and reconciles past one batch', async () => {
      store = await freshStore({ maxWriteRows: 4, maxParamBytes: 400 });
      for (let i = 0; i < 11; i++) await seedActive(store, { created_at: T0 + i, expires_at: T0 + 100 });
      for (let i = 0; i < 6; i++) {
        const g = makeGrant({ created_at: T0 + i });
        await store.createGrant(g, grantDraft('grant.issuing', g));
      }
      expect(await store.expireDue(T0 + 200, 1000)).toBe(11);
      expect(await store.failStaleIssuing(T0 + 100, T0 + 300, 5)).toHaveLength(5);
      expect(await store.failStaleIssuing(T0 + 100, T0 + 300, 5)).toHaveLength(1);
      expect((await verifyStore(store)).ok).toBe(true);
    });
  });
});

function withoutHash(e: AuditEvent): Omit<AuditEvent, 'hash'> {
  const { hash: _hash, ...rest } = e;
  return rest;
}
