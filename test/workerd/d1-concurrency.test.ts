// Writers on one D1 database interleave between an operation's read and its batch (each await
// is a point where another request runs). These tests start many operations at once, from
// several store instances as separate isolates would, and check that every guarded batch that
// read stale state failed whole and was retried: one winner per grant, one chain, no gap.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { draft } from '../../src/audit/event.ts';
import type { Grant } from '../../src/grants/grant.ts';
import type { D1Store } from '../../src/store/d1/d1-store.ts';
import { T0, grantDraft, makeGrant, revokeCtx, seedActive } from '../store/grant-fixtures.ts';
import { freshStore, reset, secondStore, verifyStore } from './support.ts';

let store: D1Store;
let others: D1Store[];
beforeEach(async () => {
  store = await freshStore();
  others = [secondStore(), secondStore(), secondStore()];
});
afterEach(() => reset());

async function issuing(n: number): Promise<Grant[]> {
  const out: Grant[] = [];
  for (let i = 0; i < n; i++) {
    const g = makeGrant({ created_at: T0 + i });
    await store.createGrant(g, grantDraft('grant.issuing', g));
    out.push(g);
  }
  return out;
}

describe('D1 store under concurrent writers', () => {
  it('lets exactly one of two writers win each transition race', async () => {
    const grants = await issuing(20);
    const [a, b] = others as [D1Store, D1Store];
    const results = await Promise.all(
      grants.flatMap((g) => [
        a.transition(g.id, ['issuing'], 'active', { lease: 'lease-a', issued_at: T0 + 1 }, grantDraft('grant.active', g)),
        b.transition(g.id, ['issuing'], 'failed', { status_reason: 'writer b' }, grantDraft('grant.failed', g)),
      ]),
    );
    const events = await store.readAudit(0, 1000);
    for (const [i, g] of grants.entries()) {
      const [fromA, fromB] = [results[2 * i], results[2 * i + 1]];
      expect([fromA, fromB].filter((r) => r !== null), g.id).toHaveLength(1);
      const winner = (fromA ?? fromB)!;
      expect(await store.getGrant(g.id)).toEqual(winner);
      expect(events.filter((e) => e.grant_id === g.id).map((e) => e.type)).toEqual(['grant.issuing', winner.status === 'active' ? 'grant.active' : 'grant.failed']);
    }
    // Both writers won some: the race really was run from both sides.
    expect(results.filter((r, i) => r !== null && i % 2 === 0).length).toBeGreaterThan(0);
    expect(results.filter((r, i) => r !== null && i % 2 === 1).length).toBeGreaterThan(0);
    expect(await verifyStore(store)).toEqual({ ok: true, checked: 40, problems: [] });
  });

  it('lets exactly one of many writers win one grant', async () => {
    const [g] = await issuing(1);
    const racers = [store, ...others];
    const results = await Promise.all(racers.map((s, i) => s.transition(g!.id, ['issuing'], 'active', { lease: `lease-${i}` }, grantDraft('grant.active', g!))));
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect((await store.getGrant(g!.id))?.lease).toBe(winners[0]!.lease);
    expect((await store.readAudit(0, 100)).map((e) => e.type)).toEqual(['grant.issuing', 'grant.active']);
  });

  it('appends concurrently into one chain: every seq once, no gap, no fork', async () => {
    // From a non-empty log, so the race is over the head row and the next seq, not the first insert.
    const first = await store.appendAudit(draft('exchange.rejected', T0, {}));
    const writers = [store, ...others];
    const ops = Array.from({ length: 47 }, (_, i) => {
      const s = writers[i % writers.length]!;
      if (i % 4 === 2) {
        const g = makeGrant({ created_at: T0 + i });
        return s.createGrant(g, grantDraft('grant.issuing', g)).then(() => null);
      }
      return s.appendAudit(draft('exchange.denied', T0 + i, { agent: `agent-${i}`, reason: 'policy', detail: { i } }));
    });
    const appended = [first, ...(await Promise.all(ops)).filter((e) => e !== null)];
    const log = await store.readAudit(0, 1000);
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
    // What each caller was told is exactly what the log holds at that seq.
    for (const e of appended) expect(log[e.seq - 1]).toEqual(e);
    expect(await store.auditHead()).toEqual({ seq: 48, hash: log.at(-1)!.hash });
    expect(await verifyStore(store)).toEqual({ ok: true, checked: 48, problems: [] });
  });

  it('a revocation racing issuance revokes every grant once, with the job its state at that moment needs', async () => {
    const grants = await issuing(30);
    const [revoker, ...issuers] = others as [D1Store, D1Store, D1Store];
    const [revoked, ...activations] = await Promise.all([
      revoker.revokeBatch({ all: true }, revokeCtx(), 1000),
      ...grants.map((g, i) => issuers[i % 2]!.transition(g.id, ['issuing'], 'active', { lease: `lease-${i}` }, grantDraft('grant.active', g))),
    ]);
    expect((revoked as Grant[]).map((g) => g.id).sort()).toEqual(grants.map((g) => g.id).sort());
    const jobs = await store.jobsForGrants(grants.map((g) => g.id));
    const events = await store.readAudit(0, 1000);
    for (const [i, g] of grants.entries()) {
      expect((await store.getGrant(g.id))?.status).toBe('revoked');
      // Activated first: revoked with its lease. Revoked first: the activation lost, and the
      // job (lease unknown) covers whatever the provider may have created mid-issue.
      const activated = activations[i] !== null;
      expect(jobs.filter((j) => j.grant_id === g.id).map((j) => j.lease)).toEqual([activated ? `lease-${i}` : null]);
      const revokedEvent = events.filter((e) => e.grant_id === g.id && e.type === 'grant.revoked');
      expect(revokedEvent).toHaveLength(1);
      expect(revokedEvent[0]?.detail?.previous_status).toBe(activated ? 'active' : 'issuing');
    }
    expect((await verifyStore(store)).ok).toBe(true);
  });

  it('two sweepers expire each due grant once', async () => {
    for (let i = 0; i < 25; i++) await seedActive(store, { created_at: T0 + i, expires_at: T0 + 1000 });
    const counts = await Promise.all([store, ...others].map((s) => s.expireDue(T0 + 5000, 10)));
    const more = await store.expireDue(T0 + 5000, 100);
    expect(counts.reduce((a, b) => a + b, 0) + more).toBe(25);
    expect((await store.readAudit(0, 1000)).filter((e) => e.type === 'grant.expired')).toHaveLength(25);
    expect((await verifyStore(store)).ok).toBe(true);
  });

  it('two reconcilers fail each stale issuing grant once', async () => {
    await issuing(12);
    const failed = await Promise.all([store, ...others].map((s) => s.failStaleIssuing(T0 + 60_000, T0 + 120_000, 100)));
    expect(failed.flat().map((g) => g.id).sort()).toEqual([...new Set(failed.flat().map((g) => g.id))].sort());
    expect(failed.flat()).toHaveLength(12);
    expect(await store.dueJobs(T0 + 120_000, 100)).toHaveLength(12);
  });

  it('finishes a revocation once while its last batch and a second runner race it', async () => {
    const record = { id: 'rev_race', filter: { agent: 'bad' }, reason: 'compromised', requested_by: 'admin', block: false, created_at: T0, finished_at: null, revoked_count: 0 };
    await store.createRevocation(record, draft('revocation.started', T0, {}));
    for (let i = 0; i < 6; i++) await seedActive(store, { agent: 'bad', created_at: T0 + i });
    const [a, b, c] = others as [D1Store, D1Store, D1Store];
    await Promise.all([
      a.revokeBatch(record.filter, revokeCtx({ revocation_id: record.id }), 100),
      b.finishRevocation(record.id, draft('revocation.finished', T0 + 1, {})),
      c.finishRevocation(record.id, draft('revocation.finished', T0 + 2, {})),
    ]);
    const events = await store.readAudit(0, 1000);
    expect(events.filter((e) => e.type === 'revocation.finished')).toHaveLength(1);
    // The count is what the batches added, whichever side of the finish the batch landed on.
    expect((await store.getRevocation(record.id))?.revoked_count).toBe(events.filter((e) => e.type === 'grant.revoked').length);
    expect((await store.getRevocation(record.id))?.finished_at).not.toBeNull();
  });

  it('completes a job once when two workers finish it together', async () => {
    const g = await seedActive(store);
    await store.revokeBatch({ grant_ids: [g.id] }, revokeCtx(), 10);
    const [job] = await store.dueJobs(Number.MAX_SAFE_INTEGER, 10);
    const done = draft('revocation.upstream', T0 + 7, { grant_id: g.id, reason: 'revoked' });
    await Promise.all([store, ...others].map((s) => s.completeJob(job!.id, done)));
    expect(await store.jobsForGrants([g.id])).toEqual([]);
    expect((await store.readAudit(0, 100)).filter((e) => e.type === 'revocation.upstream')).toHaveLength(1);
  });
});
