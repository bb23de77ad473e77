import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { segmentClaims } from '../../src/audit/checkpoint.ts';
import type { AuditCheckpoint } from '../../src/audit/checkpoint.ts';
import { draft } from '../../src/audit/event.ts';
import type { AuditEvent } from '../../src/audit/event.ts';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import { readAllEvents } from '../../src/audit/read-all.ts';
import type { Store } from '../../src/store/store.ts';
import type { ContractSubject } from './store-contract.ts';
import { T0 } from './grant-fixtures.ts';

/** The Store contract of audit retention (pruneAudit, auditCheckpoints), for every implementation. */
export function describeAuditRetentionContract(name: string, open: () => ContractSubject | Promise<ContractSubject>): void {
  describe(`Store contract (audit retention): ${name}`, () => {
    let subject: ContractSubject;
    let store: Store;
    let events: AuditEvent[];
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
      events = await store.appendAudits([1, 2, 3, 4, 5].map((i) => draft('exchange.denied', T0 + i, { reason: `r${i}` })));
    });
    afterEach(async () => subject.cleanup());

    // The store records the JWS as given (its signature is the caller's to check).
    const checkpointOf = (segment: AuditEvent[], patch: Partial<AuditCheckpoint> = {}): AuditCheckpoint => ({
      ...segmentClaims(segment)!, exported_to: '/archive', jws: 'header.payload.signature', pruned_at: T0 + 100, ...patch,
    });
    const pruned = (through: number) => draft('audit.pruned', T0 + 100, { detail: { through } });

    it('records the checkpoint, deletes only its segment and chains audit.pruned; the rest verifies from the checkpoint', async () => {
      const cp = checkpointOf(events.slice(0, 3));
      expect(await store.pruneAudit(cp, pruned(3))).toBe(true);
      expect(await store.auditCheckpoints()).toEqual([cp]);
      const left = await store.readAudit(0, 100);
      expect(left.map((e) => e.seq)).toEqual([4, 5, 6]);
      expect(left.at(-1)).toMatchObject({ type: 'audit.pruned', detail: { through: 3 } });
      const head = await store.auditHead();
      expect(head?.seq).toBe(6);
      const report = await verifyChain(readAllEvents(store), head, { from: { seq: cp.seq_to, hash: cp.head_hash, anchor: { seq: cp.seq_to, hash: cp.head_hash } } });
      expect(report).toMatchObject({ ok: true, checked: 3 });
      // The next segment continues it.
      expect(await store.pruneAudit(checkpointOf(left.slice(0, 2)), pruned(5))).toBe(true);
      expect((await store.auditCheckpoints()).map((c) => c.seq_to)).toEqual([3, 5]);
      expect((await store.readAudit(0, 100)).map((e) => e.seq)).toEqual([6, 7]);
    });

    it('refuses a checkpoint that does not match the stored events or skips ahead, and changes nothing', async () => {
      const refused = [
        checkpointOf(events.slice(0, 3), { head_hash: 'f'.repeat(64) }),
        checkpointOf(events.slice(0, 3), { prev_hash: 'e'.repeat(64) }),
        checkpointOf(events.slice(0, 3), { time_to: T0 + 99 }),
        checkpointOf(events.slice(1, 3)), // does not start at the beginning of the chain
        { ...checkpointOf(events.slice(0, 3)), seq_to: 4, count: 4 }, // claims more than it hashed
      ];
      for (const cp of refused) expect(await store.pruneAudit(cp, pruned(cp.seq_to))).toBe(false);
      expect(await store.auditCheckpoints()).toEqual([]);
      expect((await store.readAudit(0, 100)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect((await store.auditHead())?.seq).toBe(5);
      // Pruned once, the same segment cannot be pruned again, nor a later one that skips a segment.
      expect(await store.pruneAudit(checkpointOf(events.slice(0, 2)), pruned(2))).toBe(true);
      expect(await store.pruneAudit(checkpointOf(events.slice(0, 2)), pruned(2))).toBe(false);
      expect(await store.pruneAudit(checkpointOf(events.slice(3, 5)), pruned(5))).toBe(false);
      expect((await store.readAudit(0, 100)).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    });
  });
}
