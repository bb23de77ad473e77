import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { draft } from '../../src/audit/event.ts';
import type { Store } from '../../src/store/store.ts';
import type { ContractSubject } from './store-contract.ts';
import { T0, revokeCtx, seedActive } from './grant-fixtures.ts';

/** The Store contracts of risk levels, received SETs and the email index, for every implementation. */
export function describeRiskStoreContract(name: string, open: () => ContractSubject | Promise<ContractSubject>): void {
  describe(`Store contract (risk and signals): ${name}`, () => {
    let subject: ContractSubject;
    let store: Store;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => subject.cleanup());

    const change = (kind: 'agent' | 'principal', id: string, level: 'low' | 'medium' | 'high', mode: 'raise' | 'set') =>
      store.changeRisk({ subject: { kind, id }, level, mode, reason: 'r', by: 'tester', time: T0 }, draft('risk.changed', T0, { reason: 'r', detail: { by: 'tester' } }));

    describe('risk levels', () => {
      it('reads nothing before anything is recorded, and reads agent and principal in one call', async () => {
        expect(await store.riskLevels('agent-1', 'alice')).toMatchObject({ agent: null, principal: null });
        await change('agent', 'agent-1', 'medium', 'set');
        await change('principal', 'alice', 'high', 'set');
        expect(await store.riskLevels('agent-1', 'alice')).toMatchObject({ agent: 'medium', principal: 'high' });
        expect(await store.riskLevels('agent-1', null)).toMatchObject({ agent: 'medium', principal: null });
        // an agent and a principal with the same id are different subjects
        expect(await store.riskLevels('alice', 'agent-1')).toMatchObject({ agent: null, principal: null });
      });

      it('tokens_not_before only moves forward, whatever the level does, and reads back per subject', async () => {
        const cut = (id: string, level: 'low' | 'medium' | 'high', at: number) =>
          store.changeRisk({ subject: { kind: 'principal', id }, level, mode: 'raise', reason: 'r', by: 'tester', time: at, tokens_not_before: at }, draft('risk.changed', at, {}));
        expect(await store.riskLevels('a', 'carol')).toMatchObject({ principal_not_before: null, agent_not_before: null });
        await cut('carol', 'medium', T0 + 5000);
        expect(await store.riskLevels('a', 'carol')).toMatchObject({ principal: 'medium', principal_not_before: T0 + 5000 });
        // A lower level is kept as it was, but the cutoff still moves forward; an earlier one never moves it back.
        await cut('carol', 'low', T0 + 9000);
        expect(await store.riskLevels('a', 'carol')).toMatchObject({ principal: 'medium', principal_not_before: T0 + 9000 });
        await cut('carol', 'high', T0 + 1000);
        expect(await store.riskLevels('a', 'carol')).toMatchObject({ principal: 'high', principal_not_before: T0 + 9000 });
        // An admin's set leaves the cutoff alone.
        await change('principal', 'carol', 'low', 'set');
        expect(await store.riskLevels('a', 'carol')).toMatchObject({ principal: 'low', principal_not_before: T0 + 9000 });
        expect(await store.riskLevels('carol', null)).toMatchObject({ agent: null, agent_not_before: null });
      });

      it('raise keeps a higher level; set records exactly what is given; each appends its event with the outcome', async () => {
        expect(await change('principal', 'bob', 'high', 'raise')).toEqual({ previous: null, level: 'high' });
        expect(await change('principal', 'bob', 'medium', 'raise')).toEqual({ previous: 'high', level: 'high' });
        expect(await change('principal', 'bob', 'low', 'set')).toEqual({ previous: 'high', level: 'low' });
        expect(await store.riskLevels('x', 'bob')).toMatchObject({ agent: null, principal: 'low' });
        const events = await store.readAudit(0, 10);
        expect(events.map((e) => [e.type, e.principal, e.detail])).toEqual([
          ['risk.changed', 'bob', { by: 'tester', previous_level: null, level: 'high' }],
          ['risk.changed', 'bob', { by: 'tester', previous_level: 'high', level: 'high' }],
          ['risk.changed', 'bob', { by: 'tester', previous_level: 'high', level: 'low' }],
        ]);
      });
    });

    describe('live grants of a subject', () => {
      it('pages through the live grants of one agent or principal only, each once', async () => {
        const mine = [];
        for (let i = 0; i < 7; i++) mine.push(await seedActive(store, { agent: 'agent-p', principal: i % 2 ? 'carol' : 'dave', created_at: T0 + i }));
        await seedActive(store, { agent: 'agent-q', principal: 'carol' });
        await store.revokeBatch({ grant_ids: [mine[0]!.id] }, revokeCtx(), 10);
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await store.liveGrantsOf({ kind: 'agent', id: 'agent-p' }, 2, cursor);
          expect(page.grants.length).toBeLessThanOrEqual(2);
          seen.push(...page.grants.map((g) => g.id));
          cursor = page.next_cursor;
        } while (cursor !== null);
        expect(seen.sort()).toEqual(mine.slice(1).map((g) => g.id).sort());
        const carol = await store.liveGrantsOf({ kind: 'principal', id: 'carol' }, 100, null);
        expect(carol.grants.map((g) => g.principal)).toEqual(['carol', 'carol', 'carol', 'carol']);
        expect(carol.next_cursor).toBeNull();
        expect((await store.liveGrantsOf({ kind: 'principal', id: 'nobody' }, 100, null)).grants).toEqual([]);
      });
    });

    describe('received SETs', () => {
      it('insert-if-absent: the first records with its event, a repeat returns false and appends nothing', async () => {
        expect(await store.signalSeen('iss', 'j1', T0)).toBe(false);
        expect(await store.recordSignal('iss', 'j1', T0 + 1000, draft('signal.accepted', T0, { reason: 'a' }))).toBe(true);
        expect(await store.signalSeen('iss', 'j1', T0)).toBe(true);
        expect(await store.signalSeen('other-iss', 'j1', T0)).toBe(false);
        expect(await store.recordSignal('iss', 'j1', T0 + 1000, draft('signal.accepted', T0, { reason: 'b' }))).toBe(false);
        expect((await store.readAudit(0, 10)).map((e) => e.reason)).toEqual(['a']);
      });

      it('exactly one of concurrent records of the same SET wins', async () => {
        const results = await Promise.all([1, 2, 3, 4].map((i) => store.recordSignal('iss', 'race', T0 + 1000, draft('signal.accepted', T0, { reason: `r${i}` }))));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.readAudit(0, 10)).toHaveLength(1);
      });

      it('forgets a SET once its keep_until has passed', async () => {
        await store.recordSignal('iss', 'old', T0 + 1000, draft('signal.accepted', T0, {}));
        expect(await store.signalSeen('iss', 'old', T0 + 1000)).toBe(false);
        expect(await store.recordSignal('iss', 'old', T0 + 5000, draft('signal.accepted', T0 + 2000, {}))).toBe(true);
        expect(await store.signalSeen('iss', 'old', T0 + 2000)).toBe(true);
      });
    });

    describe('email index', () => {
      it('remembers principals per email, most recently seen first, idempotently', async () => {
        await store.rememberEmail('idp#erin', 'erin@example.com', T0);
        await store.rememberEmail('other-idp#erin', 'erin@example.com', T0 + 10);
        await store.rememberEmail('idp#erin', 'erin@example.com', T0 + 5);
        expect(await store.principalsByEmail('erin@example.com', 10)).toEqual(['other-idp#erin', 'idp#erin']);
        expect(await store.principalsByEmail('erin@example.com', 1)).toEqual(['other-idp#erin']);
        expect(await store.principalsByEmail('nobody@example.com', 10)).toEqual([]);
      });
    });
  });
}
