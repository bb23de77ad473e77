// Writers on one D1 database interleave between an operation's read and its batch (each await
// is a point where another request runs). These tests start many operations at once, from
// several store instances as separate isolates would, and check that every guarded batch that
// read stale state failed whole and was retried: one winner per grant, one chain, no gap.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { draft } from '../../src/audit/event.ts';
import type { Grant } from '../../src/model/grant.ts';
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

  it('a grant racing a blocking revocation is refused or revoked, never left live', async () => {
    const agent = 'spiffe://acme.test/agent/racer';
    const record = { id: 'rev_block', filter: { agent }, reason: 'compromised', requested_by: 'admin', block: true, created_at: T0, finished_at: null, revoked_count: 0 };
    const grants = Array.from({ length: 12 }, (_, i) => makeGrant({ agent, created_at: T0 + i }));
    const [creator, blocker] = others as [D1Store, D1Store];
    await store.appendAudit(draft('exchange.rejected', T0, {})); // race over a non-empty log
    const outcomes = await Promise.all([
      blocker.createRevocation(record, draft('revocation.started', T0, {})).then(() => 'recorded'),
      ...grants.map((g) => creator.createGrant(g, grantDraft('grant.issuing', g)).then(() => 'created', (e: Error) => e.name)),
    ]);
    expect(outcomes.slice(1).every((o) => o === 'created' || o === 'GrantRefused')).toBe(true);
    // Every grant that got in was created before the block was recorded, none after.
    const log = await store.readAudit(0, 1000);
    const blockedAt = log.find((e) => e.type === 'revocation.started')!.seq;
    expect(log.filter((e) => e.type === 'grant.issuing' && e.agent === agent).every((e) => e.seq < blockedAt)).toBe(true);
    // What got in before the block is what the revocation's batches then revoke.
    await store.revokeBatch(record.filter, revokeCtx({ revocation_id: record.id }), 100);
    expect(await store.countLive({ agent })).toBe(0);
    const created = grants.filter((_, i) => outcomes[i + 1] === 'created');
    for (const g of created) expect((await store.getGrant(g.id))?.status).toBe('revoked');
    for (const g of grants.filter((_, i) => outcomes[i + 1] !== 'created')) expect(await store.getGrant(g.id)).toBeNull();
    expect((await verifyStore(store)).ok).toBe(true);
  });

  it('closes a task once when several callers close it together', async () => {
    await Promise.all([store, ...others].map((s) => s.closeTask('task-9', null, T0, draft('revocation.finished', T0, { task_id: 'task-9' }))));
    expect((await store.readAudit(0, 100)).filter((e) => e.task_id === 'task-9')).toHaveLength(1);
    const g = makeGrant({ task_id: 'task-9' });
    await expect(store.createGrant(g, grantDraft('grant.issuing', g))).rejects.toMatchObject({ name: 'GrantRefused', reason: 'task_closed' });
  });

  it('a call lease completing while its grant is revoked is either handed out and then revoked, or withdrawn', async () => {
    const grants = [];
    for (let i = 0; i < 10; i++) {
      const g = await seedActive(store, { lease: null, created_at: T0 + i });
      await store.beginCallLease({ id: `cl_${i}`, grant_id: g.id, provider: 'vault', action: 'read', created_at: T0 + 100 }, draft('credential.issuing', T0 + 100, {}));
      grants.push(g);
    }
    const [revoker, issuer] = others as [D1Store, D1Store];
    const [, ...kept] = await Promise.all([
      revoker.revokeBatch({ all: true }, revokeCtx({ time: T0 + 200 }), 100),
      ...grants.map((_, i) => issuer.completeCallLease(`cl_${i}`, { lease: `L${i}`, fingerprint: `sha256:${i}`, expires_at: T0 + 600_000 }, draft('credential.leased', T0 + 150, {}))),
    ]);
    const events = await store.readAudit(0, 1000);
    for (const [i, g] of grants.entries()) {
      const leases = (await store.jobsForGrants([g.id])).map((j) => j.lease);
      // Completed first: the revocation queued the real handle. Revoked first: a job with no
      // handle from the revocation, and the real one from the withdrawal.
      expect(leases, `grant ${i}`).toEqual(kept[i] ? [`L${i}`] : [null, `L${i}`]);
      expect(events.filter((e) => e.grant_id === g.id && e.type === (kept[i] ? 'credential.leased' : 'credential.withdrawn'))).toHaveLength(1);
    }
    expect((await verifyStore(store)).ok).toBe(true);
  });

  it('concurrent raises of one subject end at the highest level, each event telling what it saw', async () => {
    const levels = ['medium', 'high', 'low', 'medium', 'high', 'low'] as const;
    const results = await Promise.all(
      levels.map((level, i) =>
        [store, ...others][i % 4]!.changeRisk(
          { subject: { kind: 'agent', id: 'a1' }, level, mode: 'raise', reason: 'signal', by: 'tx', time: T0 + i },
          draft('risk.changed', T0 + i, { reason: 'signal' }),
        ),
      ),
    );
    expect(await store.riskLevels('a1', null)).toMatchObject({ agent: 'high', principal: null });
    const events = (await store.readAudit(0, 100)).filter((e) => e.type === 'risk.changed');
    expect(events).toHaveLength(levels.length);
    // Serialised: each change saw the level the one before it left.
    for (let i = 1; i < events.length; i++) expect(events[i]!.detail?.previous_level).toBe(events[i - 1]!.detail?.level);
    expect(results.map((r) => r.level).sort()).toEqual(events.map((e) => e.detail?.level).sort());
  });
});
