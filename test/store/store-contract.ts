import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { draft } from '../../src/audit/event.ts';
import type { Grant, GrantStatus } from '../../src/model/grant.ts';
import type { RevocationFilter, RevocationRecord, Store } from '../../src/store/store.ts';
import { T0, grantDraft, makeGrant, revokeCtx, seedActive } from './grant-fixtures.ts';
import { NEWEST_WINDOW } from '../../src/store/sqlite/grant-queries.ts';

export interface ContractSubject {
  store: Store;
  cleanup(): Promise<void>;
}

/**
 * The Store contracts, written against the interface only, so every implementation (SQLite
 * today, D1 and Postgres later) can run the same suite against a real database.
 */
export function describeStoreContract(name: string, open: () => ContractSubject | Promise<ContractSubject>): void {
  describe(`Store contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: Store;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => subject.cleanup());

    const eventsOf = async (type: string) => (await store.readAudit(0, 10_000)).filter((e) => e.type === type);

    describe('createGrant and reads', () => {
      it('stores every field and appends the event with the grant fields', async () => {
        const g = makeGrant({ approval: 'owner', parent_grant_id: 'grt_parent', status: 'pending_approval' });
        await store.createGrant(g, draft('grant.pending_approval', T0, { reason: 'needs approval' }));
        expect(await store.getGrant(g.id)).toEqual(g);
        const [e] = await store.readAudit(0, 10);
        expect(e).toMatchObject({ seq: 1, type: 'grant.pending_approval', grant_id: g.id, agent: g.agent, task_id: g.task_id, act: g.act, reason: 'needs approval' });
        expect(await store.auditHead()).toEqual({ seq: 1, hash: e!.hash });
      });

      it('throws on a duplicate id and writes nothing', async () => {
        const g = makeGrant();
        await store.createGrant(g, grantDraft('grant.issuing', g));
        await expect(store.createGrant({ ...g, agent: 'other' }, grantDraft('grant.issuing', g))).rejects.toThrow();
        expect((await store.getGrant(g.id))?.agent).toBe(g.agent);
        expect((await store.auditHead())?.seq).toBe(1);
      });

      it('refuses to create a grant that is already active', async () => {
        const g = makeGrant({ status: 'active' });
        await expect(store.createGrant(g, grantDraft('grant.active', g))).rejects.toThrow(/active/);
        expect(await store.getGrant(g.id)).toBeNull();
      });

      it('returns null for unknown ids and fingerprints', async () => {
        expect(await store.getGrant('grt_missing')).toBeNull();
        expect(await store.getGrantByFingerprint('sha256:missing')).toBeNull();
      });
    });

    describe('transition', () => {
      it('applies the patch only when the status is one of `from`', async () => {
        const g = makeGrant();
        await store.createGrant(g, grantDraft('grant.issuing', g));
        const active = await store.transition(g.id, ['issuing'], 'active', { issued_at: T0 + 1, lease: 'l-1', credential_fingerprint: 'sha256:fp1', status_reason: undefined }, grantDraft('grant.active', g));
        expect(active).toEqual({ ...g, status: 'active', issued_at: T0 + 1, lease: 'l-1', credential_fingerprint: 'sha256:fp1' });
        expect(await store.getGrantByFingerprint('sha256:fp1')).toEqual(active);
        expect(await store.transition(g.id, ['issuing'], 'failed', { status_reason: 'late' }, grantDraft('grant.failed', g))).toBeNull();
        expect(await store.transition('grt_missing', ['issuing'], 'failed', {}, grantDraft('grant.failed', g))).toBeNull();
        expect((await store.readAudit(0, 10)).map((e) => e.type)).toEqual(['grant.issuing', 'grant.active']);
      });

      it('lets exactly one of two concurrent transitions win', async () => {
        const g = makeGrant();
        await store.createGrant(g, grantDraft('grant.issuing', g));
        const results = await Promise.all([
          store.transition(g.id, ['issuing'], 'active', { lease: 'a' }, grantDraft('grant.active', g)),
          store.transition(g.id, ['issuing'], 'failed', { status_reason: 'b' }, grantDraft('grant.failed', g)),
        ]);
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        expect((await store.readAudit(0, 10)).length).toBe(2);
      });

      it('fills grant fields the event leaves empty', async () => {
        const g = makeGrant();
        await store.createGrant(g, grantDraft('grant.issuing', g));
        await store.transition(g.id, ['issuing'], 'failed', { status_reason: 'x' }, draft('grant.failed', T0, { reason: 'x' }));
        const [, e] = await store.readAudit(0, 10);
        expect(e).toMatchObject({ grant_id: g.id, agent: g.agent, scope: g.scope, actions: g.actions, policy_ids: g.policy_ids, reason: 'x' });
      });
    });

    describe('revokeBatch', () => {
      const FIELDS = ['agent', 'principal', 'owner', 'provider', 'resource', 'task_id'] as const;

      it.each(FIELDS)('matches on %s alone', async (field) => {
        const hit = await seedActive(store, { [field]: 'target' });
        const miss = await seedActive(store, { [field]: 'other' });
        expect(await store.countLive({ [field]: 'target' })).toBe(1);
        const out = await store.revokeBatch({ [field]: 'target' }, revokeCtx(), 100);
        expect(out.map((g) => g.id)).toEqual([hit.id]);
        expect((await store.getGrant(miss.id))?.status).toBe('active');
      });

      it('ANDs every given field', async () => {
        const both = await seedActive(store, { agent: 'a1', task_id: 't1' });
        await seedActive(store, { agent: 'a1', task_id: 't2' });
        await seedActive(store, { agent: 'a2', task_id: 't1' });
        expect((await store.revokeBatch({ agent: 'a1', task_id: 't1' }, revokeCtx(), 100)).map((g) => g.id)).toEqual([both.id]);
      });

      it('issued_before is strict', async () => {
        const old = await seedActive(store, { created_at: T0 - 1 });
        await seedActive(store, { created_at: T0 });
        expect((await store.revokeBatch({ issued_before: T0 }, revokeCtx(), 100)).map((g) => g.id)).toEqual([old.id]);
      });

      it('grant_ids matches listed live grants, beyond 500 ids', async () => {
        const grants: Grant[] = [];
        for (let i = 0; i < 520; i++) grants.push(await seedActive(store));
        const ids = [...grants.map((g) => g.id), 'grt_unknown'];
        expect(await store.countLive({ grant_ids: ids })).toBe(520);
        expect(await store.revokeBatch({ grant_ids: ids }, revokeCtx(), 10_000)).toHaveLength(520);
        expect(await store.revokeBatch({ grant_ids: [] }, revokeCtx(), 10)).toEqual([]);
      });

      it('all: true touches every live grant and nothing else', async () => {
        const live: GrantStatus[] = ['issuing', 'pending_approval'];
        for (const status of live) {
          const g = makeGrant({ status });
          await store.createGrant(g, grantDraft('grant.issuing', g));
        }
        const active = await seedActive(store);
        const dead = makeGrant({ status: 'denied' });
        await store.createGrant(dead, grantDraft('exchange.denied', dead));
        const expired = await seedActive(store, { expires_at: T0 });
        await store.expireDue(T0, 100);
        expect(await store.revokeBatch({ all: true }, revokeCtx(), 100)).toHaveLength(3);
        expect((await store.getGrant(active.id))?.status).toBe('revoked');
        expect((await store.getGrant(dead.id))?.status).toBe('denied');
        expect((await store.getGrant(expired.id))?.status).toBe('expired');
      });

      it('refuses a filter that names nothing', async () => {
        const g = await seedActive(store);
        for (const filter of [{}, { all: false }, { agent: undefined }] as RevocationFilter[]) {
          await expect(store.revokeBatch(filter, revokeCtx(), 100)).rejects.toThrow(/names nothing/);
          await expect(store.countLive(filter)).rejects.toThrow(/names nothing/);
        }
        expect((await store.getGrant(g.id))?.status).toBe('active');
      });

      it('treats SQL-looking values as plain values', async () => {
        const g = await seedActive(store);
        const evil = "x' OR '1'='1";
        for (const filter of [{ agent: evil }, { task_id: `${evil} --` }, { grant_ids: [evil, `${g.id}' OR 1=1 --`] }, { owner: '%' }] as RevocationFilter[]) {
          expect(await store.countLive(filter)).toBe(0);
          expect(await store.revokeBatch(filter, revokeCtx(), 100)).toEqual([]);
        }
        expect((await store.getGrant(g.id))?.status).toBe('active');
      });

      it('marks grants, writes one event each and jobs where something upstream may live', async () => {
        const leased = await seedActive(store, { agent: 'x' });
        const unleased = await seedActive(store, { agent: 'x', lease: null });
        const issuing = makeGrant({ agent: 'x' });
        await store.createGrant(issuing, grantDraft('grant.issuing', issuing));
        const pending = makeGrant({ agent: 'x', status: 'pending_approval' });
        await store.createGrant(pending, grantDraft('grant.pending_approval', pending));

        const ctx = revokeCtx({ revocation_id: 'rev_1' });
        await store.createRevocation(
          { id: 'rev_1', filter: { agent: 'x' }, reason: ctx.reason, requested_by: ctx.by, block: false, created_at: T0, finished_at: null, revoked_count: 0 },
          draft('revocation.started', T0, {}),
        );
        const out = await store.revokeBatch({ agent: 'x' }, ctx, 100);
        expect(out).toHaveLength(4);
        for (const g of out) {
          expect(g).toMatchObject({ status: 'revoked', revoked_at: ctx.time, status_reason: ctx.reason });
          expect(await store.getGrant(g.id)).toEqual(g);
        }
        const events = await eventsOf('grant.revoked');
        expect(events).toHaveLength(4);
        expect(events.find((e) => e.grant_id === leased.id)).toMatchObject({
          time: ctx.time, request_id: ctx.request_id, reason: ctx.reason, agent: 'x', task_id: leased.task_id, act: leased.act,
          detail: { revocation_id: 'rev_1', by: ctx.by, previous_status: 'active' },
        });
        const jobs = await store.dueJobs(ctx.time, 100);
        expect(jobs.map((j) => j.grant_id).sort()).toEqual([leased.id, issuing.id].sort());
        // The revocation's tally: its grants by receipt group, with the open jobs among them.
        const tally = await store.revocationTally('rev_1');
        expect(tally.reduce((n, t) => n + t.grants, 0)).toBe(4);
        expect(tally.reduce((n, t) => n + t.pending, 0)).toBe(2);
        expect(jobs.find((j) => j.grant_id === leased.id)).toMatchObject({ lease: leased.lease, provider: leased.provider, attempts: 0, last_error: null });
        expect(jobs.some((j) => j.grant_id === unleased.id || j.grant_id === pending.id)).toBe(false);
      });

      it('is idempotent and respects the limit', async () => {
        for (let i = 0; i < 5; i++) await seedActive(store, { agent: 'y' });
        expect(await store.revokeBatch({ agent: 'y' }, revokeCtx(), 3)).toHaveLength(3);
        expect(await store.revokeBatch({ agent: 'y' }, revokeCtx(), 3)).toHaveLength(2);
        const head = await store.auditHead();
        expect(await store.revokeBatch({ agent: 'y' }, revokeCtx(), 3)).toEqual([]);
        expect(await store.auditHead()).toEqual(head);
        expect(await store.dueJobs(T0 + 60_000, 100)).toHaveLength(5);
      });
    });

    describe('sweeps and jobs', () => {
      it('expireDue moves due active and pending grants to expired, with events', async () => {
        const due = await seedActive(store, { expires_at: T0 + 10 });
        const later = await seedActive(store, { expires_at: T0 + 1000 });
        const pending = makeGrant({ status: 'pending_approval', expires_at: T0 + 10 });
        await store.createGrant(pending, grantDraft('grant.pending_approval', pending));
        const issuing = makeGrant({ expires_at: T0 });
        await store.createGrant(issuing, grantDraft('grant.issuing', issuing));

        expect(await store.expireDue(T0 + 10, 1)).toBe(1);
        expect(await store.expireDue(T0 + 10, 100)).toBe(1);
        expect(await store.expireDue(T0 + 10, 100)).toBe(0);
        expect((await store.getGrant(due.id))?.status).toBe('expired');
        expect((await store.getGrant(pending.id))?.status).toBe('expired');
        expect((await store.getGrant(later.id))?.status).toBe('active');
        expect((await store.getGrant(issuing.id))?.status).toBe('issuing');
        expect((await eventsOf('grant.expired')).map((e) => e.grant_id).sort()).toEqual([due.id, pending.id].sort());
      });

      it('failStaleIssuing fails old issuing grants and queues their revocation', async () => {
        const stale = makeGrant({ created_at: T0 - 120_000 });
        const fresh = makeGrant({ created_at: T0 });
        for (const g of [stale, fresh]) await store.createGrant(g, grantDraft('grant.issuing', g));
        const failed = await store.failStaleIssuing(T0 - 60_000, T0, 100);
        expect(failed.map((g) => g.id)).toEqual([stale.id]);
        expect(await store.getGrant(stale.id)).toEqual(failed[0]);
        expect(failed[0]?.status).toBe('failed');
        expect((await store.getGrant(fresh.id))?.status).toBe('issuing');
        expect(await store.dueJobs(T0, 10)).toMatchObject([{ grant_id: stale.id, lease: null, provider: stale.provider }]);
        expect((await eventsOf('grant.failed')).map((e) => e.grant_id)).toEqual([stale.id]);
      });

      it('reschedules and completes jobs, oldest due first', async () => {
        await seedActive(store, { agent: 'j' });
        await seedActive(store, { agent: 'j' });
        await store.revokeBatch({ agent: 'j' }, revokeCtx({ time: T0 }), 10);
        const [first, second] = await store.dueJobs(T0, 10);
        await store.rescheduleJob(first!.id, T0 + 5000, 'upstream 503');
        expect((await store.dueJobs(T0, 10)).map((j) => j.id)).toEqual([second!.id]);
        expect(await store.dueJobs(T0 + 5000, 10)).toEqual([second, { ...first, attempts: 1, next_attempt_at: T0 + 5000, last_error: 'upstream 503' }]);

        const done = draft('revocation.upstream', T0 + 6000, { grant_id: second!.grant_id, reason: 'revoked' });
        await store.completeJob(second!.id, done);
        await store.completeJob(second!.id, done);
        expect((await store.dueJobs(T0 + 5000, 10)).map((j) => j.id)).toEqual([first!.id]);
        expect(await eventsOf('revocation.upstream')).toHaveLength(1);
      });

      it('claimJobs hands each due job to one worker until its lease passes, then to the next', async () => {
        for (let i = 0; i < 6; i++) await seedActive(store, { agent: 'claims' });
        await store.revokeBatch({ agent: 'claims' }, revokeCtx({ time: T0 }), 10);
        const all = (await store.dueJobs(T0, 10)).map((j) => j.id);
        expect(all).toHaveLength(6);
        // Three workers claim at once: every job goes to exactly one of them.
        const claims = await Promise.all([1, 2, 3].map(() => store.claimJobs(T0, 2, 30_000)));
        expect(claims.flat().map((j) => j.id).sort((a, b) => a - b)).toEqual([...all].sort((a, b) => a - b));
        for (const c of claims) expect(c.map((j) => j.id)).toEqual([...c.map((j) => j.id)].sort((a, b) => a - b));
        expect(claims.flat().every((j) => j.next_attempt_at === T0 + 30_000 && j.attempts === 0)).toBe(true);
        expect(await store.claimJobs(T0 + 29_999, 10, 30_000)).toEqual([]);
        // The lease passed (its worker died): the jobs are due again for anyone.
        expect(await store.claimJobs(T0 + 30_000, 10, 30_000)).toHaveLength(6);
        expect(await store.claimJobs(T0 + 30_000, 0, 30_000)).toEqual([]);
      });
    });

    describe('callView', () => {
      // What a gateway call reads, together: it must say what the separate reads say.
      const separately = async (g: Grant) => ({
        grant: await store.getGrant(g.id),
        unfinished: await store.unfinishedRevocations(),
        blocked: await store.isBlocked(g.agent, g.principal),
        freezes: await store.activeFreezes(),
        risk: await store.riskLevels(g.agent, g.principal),
      });

      it('is null for an unknown grant, and otherwise what the separate reads give, through revocations, blocks, freezes and risk', async () => {
        expect(await store.callView('grt_unknown')).toBeNull();
        const mine = await seedActive(store, { agent: 'spiffe://acme.test/agent/a', principal: 'alice@acme.test' });
        const other = await seedActive(store, { agent: 'spiffe://acme.test/agent/b', principal: 'bob@acme.test' });
        const agentOnly = await seedActive(store, { agent: 'spiffe://acme.test/agent/c', principal: null });
        const check = async () => {
          for (const g of [mine, other, agentOnly]) expect(await store.callView(g.id)).toEqual(await separately(g));
        };
        await check();
        expect(await store.callView(mine.id)).toMatchObject({ grant: mine, unfinished: [], blocked: false, freezes: [], risk: { agent: null, principal: null } });

        const rev: RevocationRecord = { id: 'rev_view', filter: { principal: 'alice@acme.test' }, reason: 'r', requested_by: 'admin', block: true, created_at: T0, finished_at: null, revoked_count: 0 };
        await store.createRevocation(rev, draft('revocation.started', T0, { detail: { revocation_id: rev.id } }));
        await store.freeze({ id: 'frz_view', scope: { agent: mine.agent }, reason: 'incident', frozen_by: 'admin', created_at: T0, lifted_at: null, lifted_by: null }, draft('freeze.started', T0, {}));
        await store.changeRisk({ subject: { kind: 'agent', id: mine.agent }, level: 'high', mode: 'raise', reason: 'r', by: 'tester', time: T0 }, draft('risk.changed', T0, {}));
        await store.changeRisk({ subject: { kind: 'principal', id: 'bob@acme.test' }, level: 'medium', mode: 'raise', reason: 'r', by: 'tester', time: T0 }, draft('risk.changed', T0, {}));
        await check();
        expect(await store.callView(mine.id)).toMatchObject({ unfinished: [rev], blocked: true, freezes: [{ id: 'frz_view' }], risk: { agent: 'high', principal: null } });
        expect(await store.callView(other.id)).toMatchObject({ blocked: false, risk: { agent: null, principal: 'medium' } });

        // A write between two views is seen by the next one.
        await store.finishRevocation(rev.id, draft('revocation.finished', T0 + 1, { detail: { revocation_id: rev.id } }));
        await store.liftFreeze('frz_view', 'ops', T0 + 2, draft('freeze.lifted', T0 + 2, {}));
        await check();
        expect(await store.callView(mine.id)).toMatchObject({ unfinished: [], blocked: true, freezes: [] });
      });

      it('answers many at once each with its own grant (a store may read them in one statement), unknown ones null', async () => {
        const seeded = [];
        for (let i = 0; i < 40; i++) seeded.push(await seedActive(store, { agent: `spiffe://acme.test/agent/v${i % 7}`, principal: i % 3 ? `p${i % 5}@acme.test` : null }));
        await store.changeRisk({ subject: { kind: 'agent', id: 'spiffe://acme.test/agent/v3' }, level: 'high', mode: 'raise', reason: 'r', by: 'tester', time: T0 }, draft('risk.changed', T0, {}));
        const ids = [...seeded.map((g) => g.id), 'grt_unknown', seeded[0]!.id, seeded[5]!.id];
        const views = await Promise.all(ids.map((id) => store.callView(id)));
        for (const [i, id] of ids.entries()) {
          const g = seeded.find((x) => x.id === id);
          if (!g) expect(views[i]).toBeNull();
          else expect(views[i]).toEqual(await separately(g));
        }
        expect(views.filter((v) => v?.risk.agent === 'high')).toHaveLength(6);
      });
    });

    describe('freezes', () => {
      const freeze = (id: string, scope = {}) => ({ id, scope, reason: 'incident', frozen_by: 'admin', created_at: T0, lifted_at: null, lifted_by: null });
      it('records, lists active ones oldest first, lifts each once with its event', async () => {
        expect(await store.activeFreezes()).toEqual([]);
        await store.freeze(freeze('frz_a', { agent: 'x' }), draft('freeze.started', T0, { reason: 'incident' }));
        await store.freeze({ ...freeze('frz_b'), created_at: T0 + 1 }, draft('freeze.started', T0 + 1, {}));
        await expect(store.freeze(freeze('frz_a'), draft('freeze.started', T0, {}))).rejects.toThrow();
        expect((await store.activeFreezes()).map((f) => [f.id, f.scope])).toEqual([['frz_a', { agent: 'x' }], ['frz_b', {}]]);
        const racing = await Promise.all([1, 2, 3].map(() => store.liftFreeze('frz_a', 'ops', T0 + 5, draft('freeze.lifted', T0 + 5, {}))));
        expect(racing.filter(Boolean)).toHaveLength(1);
        expect(await store.liftFreeze('frz_missing', 'ops', T0 + 5, draft('freeze.lifted', T0 + 5, {}))).toBe(false);
        expect((await store.activeFreezes()).map((f) => f.id)).toEqual(['frz_b']);
        expect((await store.readAudit(0, 10)).map((e) => e.type)).toEqual(['freeze.started', 'freeze.started', 'freeze.lifted']);
      });
    });

    describe('listGrants', () => {
      it('pages newest first, completely and without repeats, across equal timestamps and later inserts', async () => {
        const all: Grant[] = [];
        for (let i = 0; i < 25; i++) {
          const g = makeGrant({ created_at: T0 + Math.floor(i / 4) });
          await store.createGrant(g, grantDraft('grant.issuing', g));
          all.push(g);
        }
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await store.listGrants({}, 4, cursor);
          seen.push(...page.grants.map((g) => g.id));
          cursor = page.next_cursor;
          const newer = makeGrant({ created_at: T0 + 1000 + seen.length });
          await store.createGrant(newer, grantDraft('grant.issuing', newer));
        } while (cursor !== null);
        const expected = [...all].sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1)).map((g) => g.id);
        expect(seen).toEqual(expected);
      });

      it('filters by every field, ANDed', async () => {
        const g = await seedActive(store, { agent: 'la', owner: 'lo', created_at: T0 - 5 });
        await seedActive(store, { agent: 'la', owner: 'other' });
        const revoked = await seedActive(store, { agent: 'la', owner: 'lo' });
        await store.revokeBatch({ grant_ids: [revoked.id] }, revokeCtx(), 10);
        const ids = async (f: Parameters<Store['listGrants']>[0]) => (await store.listGrants(f, 100, null)).grants.map((x) => x.id);
        expect(await ids({ agent: 'la', owner: 'lo' })).toEqual([revoked.id, g.id]);
        expect(await ids({ agent: 'la', owner: 'lo', status: 'active' })).toEqual([g.id]);
        expect(await ids({ agent: 'la', issued_before: T0 })).toEqual([g.id]);
        expect(await ids({ principal: "' OR 1=1 --" })).toEqual([]);
      });

      it('caps the page size and rejects a malformed cursor', async () => {
        await seedActive(store);
        expect((await store.listGrants({}, 1_000_000, null)).grants).toHaveLength(1);
        await expect(store.listGrants({}, 10, 'not-a-cursor')).rejects.toThrow(/cursor/);
      });
    });

    describe('revocation records and blocks', () => {
      const record = (overrides: Partial<RevocationRecord> = {}): RevocationRecord => ({
        id: 'rev_' + Math.random().toString(36).slice(2),
        filter: { agent: 'bad-agent', principal: 'mallory' },
        reason: 'compromised',
        requested_by: 'admin',
        block: true,
        created_at: T0,
        finished_at: null,
        revoked_count: 0,
        ...overrides,
      });

      it('records, blocks, lists unfinished and finishes', async () => {
        const r = record();
        await store.createRevocation(r, draft('revocation.started', T0, { reason: r.reason, detail: { revocation_id: r.id } }));
        expect(await store.getRevocation(r.id)).toEqual(r);
        expect(await store.unfinishedRevocations()).toEqual([r]);
        expect(await store.isBlocked('bad-agent', null)).toBe(true);
        expect(await store.isBlocked('good-agent', 'mallory')).toBe(true);
        expect(await store.isBlocked('good-agent', 'alice')).toBe(false);
        expect(await store.isBlocked('good-agent', null)).toBe(false);

        await store.finishRevocation(r.id, draft('revocation.finished', T0 + 100, { detail: { revocation_id: r.id } }));
        expect(await store.getRevocation(r.id)).toEqual({ ...r, finished_at: T0 + 100, revoked_count: 0 });
        expect(await store.unfinishedRevocations()).toEqual([]);
        // A second runner reaching the end finds it finished: no second event.
        await store.finishRevocation(r.id, draft('revocation.finished', T0 + 200, { detail: { revocation_id: r.id } }));
        expect((await store.readAudit(0, 10)).map((e) => e.type)).toEqual(['revocation.started', 'revocation.finished']);
        expect((await store.getRevocation(r.id))?.finished_at).toBe(T0 + 100);
      });

      it('raises a cutoff at its own time above grants already recorded, whatever their clocks said; a chosen date stays', async () => {
        // A grant another node recorded first, stamped by a clock running ahead of this one.
        const ahead = await seedActive(store, { agent: 'skewed', created_at: T0 + 5_000 });
        const r = record({ filter: { agent: 'skewed', issued_before: T0 + 1 }, block: false });
        const recorded = await store.createRevocation(r, draft('revocation.started', T0, {}));
        expect(recorded.filter).toEqual({ agent: 'skewed', issued_before: T0 + 5_001 });
        expect(await store.getRevocation(r.id)).toEqual(recorded);
        expect(await store.revokeBatch(recorded.filter, revokeCtx({ revocation_id: r.id }), 10)).toMatchObject([{ id: ahead.id }]);
        // A date before the revocation's own time is the caller's choice.
        await seedActive(store, { agent: 'dated', created_at: T0 + 5_000 });
        const dated = record({ id: 'rev_dated', filter: { agent: 'dated', issued_before: T0 - 1 }, block: false });
        expect((await store.createRevocation(dated, draft('revocation.started', T0, {}))).filter).toEqual({ agent: 'dated', issued_before: T0 - 1 });
        // Nothing matching: the cutoff stays.
        const none = record({ id: 'rev_none', filter: { agent: 'nobody', issued_before: T0 + 1 }, block: false });
        expect((await store.createRevocation(none, draft('revocation.started', T0, {}))).filter).toEqual({ agent: 'nobody', issued_before: T0 + 1 });
      });

      it('raises the cutoff of a revocation of everything above the newest live grant, however many newer grants are not live', async () => {
        const everything = (id: string) => record({ id, filter: { all: true, issued_before: T0 + 1 }, block: false });
        const cutoff = async (id: string) => (await store.createRevocation(everything(id), draft('revocation.started', T0, {}))).filter.issued_before;
        expect(await cutoff('rev_empty')).toBe(T0 + 1);
        await seedActive(store, { agent: 'older', created_at: T0 + 3_000 });
        await seedActive(store, { agent: 'ahead', created_at: T0 + 5_000 });
        expect(await cutoff('rev_live_newest')).toBe(T0 + 5_001);
        // More newer grants than a store may look at first, none of them live: the newest live one still counts.
        for (let i = 0; i < NEWEST_WINDOW; i++) {
          const g = makeGrant({ id: `grt_denied_${i}`, status: 'denied', created_at: T0 + 6_000 + i });
          await store.createGrant(g, grantDraft('exchange.denied', g));
        }
        expect(await cutoff('rev_live_older')).toBe(T0 + 5_001);
      });

      it('counts each batch towards its revocation as it commits', async () => {
        const r = record({ filter: { agent: 'bad-agent' }, block: false });
        await store.createRevocation(r, draft('revocation.started', T0, {}));
        for (let i = 0; i < 3; i++) await seedActive(store, { agent: 'bad-agent' });
        await seedActive(store, { agent: 'good-agent' });
        expect(await store.revokeBatch(r.filter, revokeCtx({ revocation_id: r.id }), 2)).toHaveLength(2);
        expect((await store.getRevocation(r.id))?.revoked_count).toBe(2);
        expect(await store.revokeBatch(r.filter, revokeCtx({ revocation_id: r.id }), 2)).toHaveLength(1);
        expect(await store.revokeBatch(r.filter, revokeCtx({ revocation_id: r.id }), 2)).toHaveLength(0);
        await store.finishRevocation(r.id, draft('revocation.finished', T0 + 1, {}));
        expect(await store.getRevocation(r.id)).toMatchObject({ revoked_count: 3, finished_at: T0 + 1 });
      });

      it('lists revocations newest first, lists blocks, lifts all blocks of a subject once with its event', async () => {
        const first = record({ id: 'rev_first', filter: { agent: 'bad-agent' } });
        const second = record({ id: 'rev_second', created_at: T0 + 10 });
        await store.createRevocation(first, draft('revocation.started', T0, {}));
        await store.createRevocation(second, draft('revocation.started', T0 + 10, {}));
        expect((await store.listRevocations(10)).map((r) => r.id)).toEqual(['rev_second', 'rev_first']);
        expect((await store.listRevocations(1)).map((r) => r.id)).toEqual(['rev_second']);
        expect(await store.listBlocks(10)).toEqual([
          { kind: 'agent', subject: 'bad-agent', revocation_id: 'rev_second', created_at: T0 + 10 },
          { kind: 'principal', subject: 'mallory', revocation_id: 'rev_second', created_at: T0 + 10 },
          { kind: 'agent', subject: 'bad-agent', revocation_id: 'rev_first', created_at: T0 },
        ]);

        const lift = () => store.liftBlocks('agent', 'bad-agent', draft('block.lifted', T0 + 20, { agent: 'bad-agent', detail: { by: 'ops' } }));
        const racing = await Promise.all([lift(), lift(), lift()]);
        expect(racing.sort()).toEqual([0, 0, 2]);
        expect(await store.isBlocked('bad-agent', null)).toBe(false);
        expect(await store.isBlocked('good-agent', 'mallory')).toBe(true);
        expect(await store.liftBlocks('principal', 'nobody', draft('block.lifted', T0 + 20, {}))).toBe(0);
        expect((await store.readAudit(0, 10)).map((e) => e.type)).toEqual(['revocation.started', 'revocation.started', 'block.lifted']);
        // A block lifted is not written back by anything: the revocations stay on record.
        expect((await store.listRevocations(10)).map((r) => r.id)).toEqual(['rev_second', 'rev_first']);
      });

      it('adds no blocks unless asked, and refuses a duplicate id', async () => {
        const r = record({ block: false });
        await store.createRevocation(r, draft('revocation.started', T0, {}));
        expect(await store.isBlocked('bad-agent', 'mallory')).toBe(false);
        await expect(store.createRevocation(r, draft('revocation.started', T0, {}))).rejects.toThrow();
        await expect(store.finishRevocation('rev_missing', draft('revocation.finished', T0, {}))).rejects.toThrow();
        expect((await store.auditHead())?.seq).toBe(1);
      });
    });

    describe('call leases (per-call credentials)', () => {
      const lease = (grantId: string, id = 'cl_' + grantId, at = T0 + 1000) => ({ id, grant_id: grantId, provider: 'vault', action: 'read' as const, created_at: at });

      it('records a lease only under an active, unexpired grant', async () => {
        const g = await seedActive(store, { lease: null });
        expect(await store.beginCallLease(lease(g.id), draft('credential.issuing', T0 + 1000, {}))).toBe(true);
        const [e] = await eventsOf('credential.issuing');
        expect(e).toMatchObject({ grant_id: g.id, agent: g.agent, task_id: g.task_id });
        expect(await store.beginCallLease(lease(g.id, 'cl_late', g.expires_at), draft('credential.issuing', g.expires_at, {}))).toBe(false);
        expect(await store.beginCallLease(lease('grt_missing'), draft('credential.issuing', T0, {}))).toBe(false);
        const pending = makeGrant({ status: 'pending_approval' });
        await store.createGrant(pending, grantDraft('grant.pending_approval', pending));
        expect(await store.beginCallLease(lease(pending.id), draft('credential.issuing', T0, {}))).toBe(false);
        expect(await eventsOf('credential.issuing')).toHaveLength(1);
      });

      it('a lease recorded but never completed (a crash) still gets a revocation job when its grant is revoked', async () => {
        const g = await seedActive(store, { lease: null });
        await store.beginCallLease(lease(g.id), draft('credential.issuing', T0 + 1000, {}));
        await store.revokeBatch({ grant_ids: [g.id] }, revokeCtx(), 10);
        expect((await store.jobsForGrants([g.id])).map((j) => [j.provider, j.lease])).toEqual([['vault', null]]);
      });

      it('revoking queues a job per lease still live; an expired one needs none', async () => {
        const g = await seedActive(store, { lease: null });
        await store.beginCallLease(lease(g.id, 'cl_1'), draft('credential.issuing', T0 + 1000, {}));
        expect(await store.completeCallLease('cl_1', { lease: 'L1', fingerprint: 'sha256:1', expires_at: T0 + 10_000 }, draft('credential.leased', T0 + 1000, {}))).toBe(true);
        await store.beginCallLease(lease(g.id, 'cl_2'), draft('credential.issuing', T0 + 1000, {}));
        expect(await store.completeCallLease('cl_2', { lease: 'L2', fingerprint: 'sha256:2', expires_at: T0 + 600_000 }, draft('credential.leased', T0 + 1000, {}))).toBe(true);
        await expect(store.completeCallLease('cl_2', { lease: 'L2', fingerprint: 'sha256:2', expires_at: T0 + 600_000 }, draft('credential.leased', T0, {}))).rejects.toThrow();
        await expect(store.completeCallLease('cl_missing', { lease: null, fingerprint: null, expires_at: T0 }, draft('credential.leased', T0, {}))).rejects.toThrow();
        await store.revokeBatch({ grant_ids: [g.id] }, revokeCtx({ time: T0 + 60_000 }), 10);
        expect((await store.jobsForGrants([g.id])).map((j) => j.lease)).toEqual(['L2']);
      });

      it('completing under a grant revoked meanwhile queues the real lease at once and says so', async () => {
        const g = await seedActive(store, { lease: null });
        await store.beginCallLease(lease(g.id), draft('credential.issuing', T0 + 1000, {}));
        await store.revokeBatch({ grant_ids: [g.id] }, revokeCtx(), 10);
        const kept = await store.completeCallLease('cl_' + g.id, { lease: 'L-real', fingerprint: 'sha256:x', expires_at: T0 + 600_000 }, draft('credential.leased', T0 + 61_000, {}));
        expect(kept).toBe(false);
        expect((await store.jobsForGrants([g.id])).map((j) => j.lease)).toEqual([null, 'L-real']);
        expect(await eventsOf('credential.leased')).toHaveLength(0);
        expect(await eventsOf('credential.withdrawn')).toMatchObject([{ grant_id: g.id }]);
      });

      it('expiring a grant queues jobs for leases that outlive it', async () => {
        const g = await seedActive(store, { lease: null });
        await store.beginCallLease(lease(g.id), draft('credential.issuing', T0 + 1000, {}));
        await store.completeCallLease('cl_' + g.id, { lease: 'L-sts', fingerprint: 'sha256:s', expires_at: g.expires_at + 600_000 }, draft('credential.leased', T0 + 1000, {}));
        expect(await store.expireDue(g.expires_at, 10)).toBe(1);
        expect((await store.jobsForGrants([g.id])).map((j) => j.lease)).toEqual(['L-sts']);
      });

      it('appendAudits chains several events in one operation, in order', async () => {
        const out = await store.appendAudits([draft('credential.issued', T0, { agent: 'a' }), draft('credential.denied', T0, { agent: 'b' })]);
        expect(out.map((e) => [e.seq, e.type])).toEqual([[1, 'credential.issued'], [2, 'credential.denied']]);
        expect(await store.readAudit(0, 10)).toEqual(out);
      });
    });

    describe('audit', () => {
      it('reads back exactly what was appended, in order, after a seq', async () => {
        const appended = [];
        for (let i = 0; i < 5; i++) {
          appended.push(await store.appendAudit(draft('exchange.denied', T0 + i, { agent: 'a', detail: { i, nested: { list: [1, null, 'x'] } }, policy_ids: ['p1', 'p2'] })));
        }
        expect(await store.readAudit(0, 100)).toEqual(appended);
        expect(await store.readAudit(3, 1)).toEqual([appended[3]]);
        expect(await store.readAudit(5, 100)).toEqual([]);
        expect(await store.auditHead()).toEqual({ seq: 5, hash: appended[4]!.hash });
        expect(appended[1]!.prev_hash).toBe(appended[0]!.hash);
      });

      it('reports an empty log as a null head, and pings', async () => {
        expect(await store.auditHead()).toBeNull();
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('runAlone', () => {
      it('skips an overlapping run of the same work, runs other work meanwhile, and runs again once it ended', async () => {
        let release!: () => void;
        const held = store.runAlone('work-a', () => new Promise<string>((r) => (release = () => r('first'))));
        await new Promise((r) => setTimeout(r, 20));
        let ran = false;
        expect(await store.runAlone('work-a', async () => (ran = true))).toBeUndefined();
        expect(ran).toBe(false);
        expect(await store.runAlone('work-b', async () => 'other')).toBe('other');
        release();
        expect(await held).toBe('first');
        expect(await store.runAlone('work-a', async () => 'again')).toBe('again');
        // A run that throws ends too: the next one is not locked out.
        await expect(store.runAlone('work-a', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
        expect(await store.runAlone('work-a', async () => 'after a failure')).toBe('after a failure');
      });
    });
  });
}
