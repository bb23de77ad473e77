import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { grantDraft, makeGrant, revokeCtx, seedActive, tempStore } from './fixtures.ts';
import type { TempStore } from './fixtures.ts';

// "If the audit write fails, nothing is issued": the state change and its event are one
// transaction, so a failing audit insert must leave no trace of the change either.
describe('when the audit log cannot be written', () => {
  let t: TempStore;
  afterEach(async () => t.cleanup());

  const breakAuditInserts = () => t.store.db.exec(`CREATE TRIGGER audit_fails BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
  const grantRows = () => t.store.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM grants').get()?.n;

  it('createGrant throws and no grant row exists', async () => {
    t = tempStore();
    breakAuditInserts();
    const g = makeGrant();
    await expect(t.store.createGrant(g, grantDraft('grant.issuing', g))).rejects.toThrow(/disk on fire/);
    expect(await t.store.getGrant(g.id)).toBeNull();
    expect(grantRows()).toBe(0);
    expect(await t.store.auditHead()).toBeNull();
  });

  it('transition and revokeBatch throw and change nothing', async () => {
    t = tempStore();
    const active = await seedActive(t.store);
    const issuing = makeGrant();
    await t.store.createGrant(issuing, grantDraft('grant.issuing', issuing));
    const head = await t.store.auditHead();
    breakAuditInserts();

    await expect(t.store.transition(issuing.id, ['issuing'], 'active', { lease: 'l' }, grantDraft('grant.active', issuing))).rejects.toThrow();
    await expect(t.store.revokeBatch({ all: true }, revokeCtx(), 100)).rejects.toThrow();
    expect(await t.store.getGrant(issuing.id)).toEqual(issuing);
    expect(await t.store.getGrant(active.id)).toEqual(active);
    expect(await t.store.dueJobs(Number.MAX_SAFE_INTEGER, 100)).toEqual([]);
    expect(await t.store.auditHead()).toEqual(head);
  });

  it('a read-only store reads but writes nothing', async () => {
    t = tempStore();
    const existing = await seedActive(t.store);
    const ro = openSqliteStore(t.path, { readonly: true });
    try {
      expect(await ro.getGrant(existing.id)).toEqual(existing);
      const g = makeGrant();
      await expect(ro.createGrant(g, grantDraft('grant.issuing', g))).rejects.toThrow(/readonly/);
      expect(await t.store.getGrant(g.id)).toBeNull();
      expect(await ro.auditHead()).toEqual(await t.store.auditHead());
    } finally {
      await ro.close();
    }
  });
});
