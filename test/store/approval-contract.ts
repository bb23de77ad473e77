import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newApprovalId, type Approval } from '../../src/approvals/approval.ts';
import { draft } from '../../src/audit/event.ts';
import type { Grant } from '../../src/model/grant.ts';
import { GrantRefused } from '../../src/store/store-errors.ts';
import type { Store } from '../../src/store/store.ts';
import type { ContractSubject } from './store-contract.ts';
import { T0, grantDraft, makeGrant } from './grant-fixtures.ts';

function makeApproval(g: Grant, overrides: Partial<Approval> = {}): Approval {
  return {
    id: newApprovalId(),
    kind: 'grant',
    grant_id: g.id,
    request_hash: 'a'.repeat(64),
    agent: g.agent,
    principal: g.principal,
    owner: g.owner,
    task_id: g.task_id,
    resource: g.resource,
    actions: g.actions,
    intent: g.intent,
    tool: null,
    arguments_digest: null,
    rules: ['owner'],
    approvers: { owner: ['team-data', 'bob@acme.test'] },
    decisions: [],
    status: 'pending',
    created_at: T0,
    expires_at: T0 + 600_000,
    decided_at: null,
    used_at: null,
    version: 1,
    ...overrides,
  };
}

/** The approval operations' contracts, for every Store implementation. */
export function describeApprovalContract(name: string, open: () => ContractSubject | Promise<ContractSubject>): void {
  describe(`Store approval contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: Store;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => subject.cleanup());

    const waiting = async () => {
      const g = makeGrant({ status: 'pending_approval', approval: 'owner' });
      const a = makeApproval(g);
      await store.requestApproval(a, g, draft('grant.pending_approval', T0, { grant_id: g.id }));
      return { g, a };
    };

    it('inserts the waiting grant and its approval together, with one event', async () => {
      const { g, a } = await waiting();
      expect(await store.getGrant(g.id)).toEqual(g);
      expect(await store.getApproval(a.id)).toEqual(a);
      expect((await store.readAudit(0, 10)).map((e) => e.type)).toEqual(['grant.pending_approval']);
    });

    it('writes neither when one of them cannot be inserted', async () => {
      const { a } = await waiting();
      const g2 = makeGrant({ status: 'pending_approval' });
      await expect(store.requestApproval({ ...a, grant_id: g2.id }, g2, draft('grant.pending_approval', T0, {}))).rejects.toThrow();
      expect(await store.getGrant(g2.id)).toBeNull();
      expect((await store.auditHead())?.seq).toBe(1);
      const active = makeGrant({ status: 'active' });
      await expect(store.requestApproval(makeApproval(active), active, draft('grant.pending_approval', T0, {}))).rejects.toThrow();
      expect(await store.getGrant(active.id)).toBeNull();
    });

    it('compare-and-sets on version: exactly one of racing updates wins', async () => {
      const { a } = await waiting();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.updateApproval(a.id, 1, { status: 'approved', decided_at: T0 + i, decisions: [{ rule: 'owner', by: `h${i}`, at: T0, verdict: 'approve', reason: null }] }, draft('approval.answered', T0, {}), null),
        ),
      );
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      const stored = await store.getApproval(a.id);
      expect(stored).toMatchObject({ status: 'approved', version: 2 });
      expect(stored!.decisions).toEqual(winners[0]!.approval.decisions);
      expect((await store.readAudit(0, 10)).filter((e) => e.type === 'approval.answered')).toHaveLength(1);
    });

    it('moves the grant in the same step, or writes nothing when the grant moved on', async () => {
      const { g, a } = await waiting();
      const step = { from: ['pending_approval'] as const, to: 'issuing' as const, patch: { expires_at: T0 + 60_000 }, event: draft('grant.issuing', T0, {}) };
      // The grant was revoked meanwhile (its task ended): the approval is not consumed.
      await store.transition(g.id, ['pending_approval'], 'revoked', { revoked_at: T0 }, draft('grant.revoked', T0, {}));
      expect(await store.updateApproval(a.id, 1, { status: 'used', used_at: T0 }, draft('approval.used', T0, {}), step)).toBeNull();
      expect(await store.getApproval(a.id)).toMatchObject({ status: 'pending', version: 1 });
      expect((await store.readAudit(0, 10)).map((e) => e.type)).toEqual(['grant.pending_approval', 'grant.revoked']);

      const w = await waiting();
      const res = await store.updateApproval(w.a.id, 1, { status: 'used', used_at: T0 }, draft('approval.used', T0, {}), step);
      expect(res?.approval).toMatchObject({ status: 'used', used_at: T0, version: 2 });
      expect(res?.grant).toMatchObject({ id: w.g.id, status: 'issuing', expires_at: T0 + 60_000 });
      const events = (await store.readAudit(0, 10)).slice(-2);
      expect(events.map((e) => e.type)).toEqual(['approval.used', 'grant.issuing']);
      expect(events[1]).toMatchObject({ grant_id: w.g.id, agent: w.g.agent });
    });

    it('lists newest first with filters and paging', async () => {
      const made: Approval[] = [];
      for (let i = 0; i < 5; i++) {
        const g = makeGrant({ status: 'pending_approval', task_id: i % 2 ? 'odd' : 'even' });
        const a = makeApproval(g, { created_at: T0 + i, task_id: g.task_id });
        await store.requestApproval(a, g, draft('grant.pending_approval', T0, {}));
        made.push(a);
      }
      const p1 = await store.listApprovals({ status: 'pending' }, 2, null);
      expect(p1.approvals.map((a) => a.id)).toEqual([made[4]!.id, made[3]!.id]);
      const p2 = await store.listApprovals({ status: 'pending' }, 2, p1.next_cursor);
      expect(p2.approvals.map((a) => a.id)).toEqual([made[2]!.id, made[1]!.id]);
      const p3 = await store.listApprovals({ status: 'pending' }, 2, p2.next_cursor);
      expect(p3).toEqual({ approvals: [made[0]], next_cursor: null });
      expect((await store.listApprovals({ task_id: 'odd' }, 10, null)).approvals).toHaveLength(2);
      expect((await store.listApprovals({ status: 'used' }, 10, null)).approvals).toHaveLength(0);
    });
  });
}

/** Closing tasks, and the refusals createGrant and requestApproval make inside their own operation. */
export function describeRefusalContract(name: string, open: () => ContractSubject | Promise<ContractSubject>): void {
  describe(`Store refusal contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: Store;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => subject.cleanup());

    it('a closed task takes no new grant for that agent; other agents and tasks are untouched', async () => {
      const g = makeGrant({ task_id: 'done' });
      await store.closeTask('done', g.agent, T0, draft('task.completed', T0, { task_id: 'done' }));
      await store.closeTask('done', g.agent, T0 + 1, draft('task.completed', T0 + 1, { task_id: 'done' }));
      expect((await store.readAudit(0, 10)).map((e) => e.type)).toEqual(['task.completed']);
      await expect(store.createGrant(g, grantDraft('grant.issuing', g))).rejects.toBeInstanceOf(GrantRefused);
      expect(await store.getGrant(g.id)).toBeNull();
      const waiting = makeGrant({ task_id: 'done', status: 'pending_approval' });
      await expect(store.requestApproval(makeApproval(waiting), waiting, draft('grant.pending_approval', T0, {}))).rejects.toMatchObject({ reason: 'task_closed' });
      expect(await store.getGrant(waiting.id)).toBeNull();
      // A denial is only a record, and may still be written.
      const denied = makeGrant({ task_id: 'done', status: 'denied' });
      await store.createGrant(denied, grantDraft('grant.issuing', denied));
      const other = makeGrant({ task_id: 'done', agent: 'spiffe://acme.test/agent/other' });
      await store.createGrant(other, grantDraft('grant.issuing', other));
      const elsewhere = makeGrant({ task_id: 'next' });
      await store.createGrant(elsewhere, grantDraft('grant.issuing', elsewhere));
      expect((await store.readAudit(0, 10)).length).toBe(4);
    });

    it('a task closed for every agent takes no grant from any', async () => {
      await store.closeTask('shared', null, T0, draft('task.completed', T0, {}));
      for (const agent of ['spiffe://acme.test/agent/a', 'spiffe://acme.test/agent/b']) {
        const g = makeGrant({ task_id: 'shared', agent });
        await expect(store.createGrant(g, grantDraft('grant.issuing', g))).rejects.toMatchObject({ reason: 'task_closed' });
      }
    });

    it('orphanedGrants: live grants whose parent is no longer live, and only those', async () => {
      const live = async (o: Partial<Grant>) => {
        const g = makeGrant({ ...o, status: 'issuing' });
        await store.createGrant(g, grantDraft('grant.issuing', g));
        return (await store.transition(g.id, ['issuing'], 'active', { issued_at: T0 }, grantDraft('grant.active', g)))!;
      };
      const parent = await live({});
      const child = await live({ parent_grant_id: parent.id });
      const grandchild = await live({ parent_grant_id: child.id });
      expect(await store.orphanedGrants(10)).toEqual([]);
      await store.transition(parent.id, ['active'], 'revoked', { revoked_at: T0 }, grantDraft('grant.revoked', parent));
      // Only the direct child: the grandchild's parent is still live until the child is revoked.
      expect(await store.orphanedGrants(10)).toEqual([child.id]);
      await store.transition(child.id, ['active'], 'revoked', { revoked_at: T0 }, grantDraft('grant.revoked', child));
      expect(await store.orphanedGrants(10)).toEqual([grandchild.id]);
      await store.transition(grandchild.id, ['active'], 'revoked', { revoked_at: T0 }, grantDraft('grant.revoked', grandchild));
      expect(await store.orphanedGrants(10)).toEqual([]);
      expect(await store.orphanedGrants(0)).toEqual([]);
    });

    it('a blocked agent or principal gets no new grant', async () => {
      const g = makeGrant();
      await store.createRevocation(
        { id: 'rev_block', filter: { principal: g.principal! }, reason: 'compromised', requested_by: 'admin', block: true, created_at: T0, finished_at: null, revoked_count: 0 },
        draft('revocation.started', T0, {}),
      );
      await expect(store.createGrant(g, grantDraft('grant.issuing', g))).rejects.toMatchObject({ reason: 'blocked' });
      const free = makeGrant({ principal: null });
      await store.createGrant(free, grantDraft('grant.issuing', free));
      expect(await store.getGrant(free.id)).not.toBeNull();
    });
  });
}
