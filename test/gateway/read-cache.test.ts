import { afterEach, describe, expect, it } from 'vitest';
import { draft } from '../../src/audit/event.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { RevocationRecord } from '../../src/store/store.ts';
import { gatewayHarness, type GatewayHarness } from './support.ts';

const AGENT = 'spiffe://example.org/agent/demo';

/**
 * The SQLite store remembers the per-call reads between writes. Whatever changes a grant's fate
 * through ANOTHER connection on the same file (another process, the CLI) must be seen by the
 * very next call, after calls that filled the cache.
 */
describe('per-call reads see commits of other connections at once', () => {
  let other: SqliteStore | null = null;
  afterEach(async () => {
    await other?.close();
    other = null;
  });

  const record = (over: Partial<RevocationRecord>): RevocationRecord => ({
    id: 'rev_other' + Math.random().toString(36).slice(2, 10),
    filter: { agent: AGENT },
    reason: 'from another connection',
    requested_by: 'test',
    block: false,
    created_at: Date.now(),
    finished_at: null,
    revoked_count: 0,
    ...over,
  });
  const started = (r: RevocationRecord) => draft('revocation.started', Date.now(), { detail: { revocation_id: r.id } });
  const ctx = { time: Date.now(), request_id: null, reason: 'from another connection', revocation_id: null, by: 'test' };

  it.each([
    {
      name: 'a grant revoked',
      act: async (s: SqliteStore, grantId: string) => void (await s.revokeBatch({ grant_ids: [grantId] }, ctx, 10)),
      status: 400,
      error: 'invalid_grant',
      says: 'revoked',
    },
    {
      name: 'a mass revocation recorded, its rows not yet marked',
      act: async (s: SqliteStore) => s.createRevocation(record({}), started(record({}))),
      status: 400,
      error: 'invalid_grant',
      says: 'a revocation in progress',
    },
    {
      name: 'a block on the agent (its revocation finished without touching this grant)',
      act: async (s: SqliteStore) => {
        const r = record({ block: true, filter: { agent: AGENT, issued_before: 1 } });
        await s.createRevocation(r, started(r));
        await s.finishRevocation(r.id, draft('revocation.finished', Date.now(), { detail: { revocation_id: r.id } }));
      },
      status: 403,
      error: 'access_denied',
      says: 'blocked',
    },
    {
      name: "the agent's risk raised to high",
      act: async (s: SqliteStore) =>
        void (await s.changeRisk({ subject: { kind: 'agent', id: AGENT }, level: 'high', mode: 'raise', reason: 'signal', by: 'test', time: Date.now() }, draft('risk.changed', Date.now(), {}))),
      status: 403,
      error: 'access_denied',
      says: 'denied by policy',
    },
  ])('$name', async ({ act, status, error, says }) => {
    const h: GatewayHarness = await gatewayHarness();
    const token = await h.grantToken('demo:reports:read');
    const first = await (await h.call({ token, action: 'read' })).json();
    for (let i = 0; i < 3; i++) expect((await h.call({ token, action: 'read' })).status).toBe(200);

    other = openSqliteStore(h.dbPath);
    await act(other, first.grant_id);
    const res = await h.call({ token, action: 'read' });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(status);
    expect(body.error).toBe(error);
    expect(body.error_description).toContain(says);
  });

  it("sees this connection's own writes too (a revocation through the API)", async () => {
    const h = await gatewayHarness();
    const token = await h.grantToken('demo:reports:read');
    const { grant_id } = await (await h.call({ token, action: 'read' })).json();
    expect((await h.call({ token, action: 'read' })).status).toBe(200);
    const res = await h.adminRequest('/v1/revocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_ids: [grant_id], reason: 'test' }) });
    expect(res.status).toBe(202);
    expect((await h.call({ token, action: 'read' })).status).toBe(400);
    // and after the revocation has finished (no unfinished revocation left to bind), the row says revoked
    let finished = false;
    while (!finished) {
      await new Promise((r) => setTimeout(r, 5));
      finished = (await h.deps.store.unfinishedRevocations()).length === 0;
    }
    const after = await (await h.call({ token, action: 'read' })).json();
    expect(after.error_description).toContain('revoked');
  });
});
