// The Store contract suites on a real PostgreSQL server (DATABASE_URL), and what only the
// PostgreSQL driver has: its migrations, placeholders, and concurrent writers on separate pools.
import { describe, expect, it } from 'vitest';
import { draft } from '../../src/audit/event.ts';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import { inlineParams, numberPlaceholders } from '../../src/store/postgres/pg-database.ts';
import { loadPgMigrations } from '../../src/store/postgres/migrate.ts';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { POSTGRES_URL, dropSchema, freshPostgresStore, freshSchemaName } from '../support/postgres.ts';
import { describeApprovalContract, describeRefusalContract } from './approval-contract.ts';
import { describeRiskStoreContract } from './risk-contract.ts';
import { describeAuditRetentionContract } from './audit-retention-contract.ts';
import { describeStoreContract } from './store-contract.ts';
import { T0, revokeCtx, seedActive } from './grant-fixtures.ts';

const fresh = () => freshPostgresStore();

describe.skipIf(POSTGRES_URL === undefined)('postgres', () => {
  describeStoreContract('postgres', fresh);
  describeApprovalContract('postgres', fresh);
  describeRefusalContract('postgres', fresh);
  describeRiskStoreContract('postgres', fresh);
  describeAuditRetentionContract('postgres', fresh);

  describe('postgres driver', () => {
    it('numbers placeholders outside quoted text only', () => {
      expect(numberPlaceholders(`SELECT '?' AS q, "a?" FROM t WHERE a = ? AND b IN (SELECT json_array_elements_text(?::json))`)).toBe(
        `SELECT '?' AS q, "a?" FROM t WHERE a = $1 AND b IN (SELECT json_array_elements_text($2::json))`,
      );
      // The same text again (its split is remembered), a placeholder first and last, and none.
      expect(numberPlaceholders(`SELECT '?' AS q, "a?" FROM t WHERE a = ? AND b IN (SELECT json_array_elements_text(?::json))`)).toContain('a = $1');
      expect(numberPlaceholders('? = ?')).toBe('$1 = $2');
      expect(inlineParams(`INSERT INTO t VALUES (?, '?', ?)`, ["it's", null], (v) => (v === null ? 'NULL' : `'${String(v).replaceAll("'", "''")}'`))).toBe(`INSERT INTO t VALUES ('it''s', '?', NULL)`);
      expect(() => inlineParams('SELECT ?, ?', [1], String)).toThrow(RangeError);
      expect(numberPlaceholders('SELECT 1')).toBe('SELECT 1');
    });

    it('migrates once when several nodes open a fresh database together, and refuses a newer schema', async () => {
      const schema = freshSchemaName();
      try {
        const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(POSTGRES_URL!, { schema })));
        await Promise.all(stores.map((s) => s.close()));
        const again = await openPostgresStore(POSTGRES_URL!, { schema });
        await again.appendAudit(draft('exchange.denied', T0, {}));
        await again.close();
        const pgc = await import('pg');
        const c = new pgc.default.Client({ connectionString: POSTGRES_URL });
        await c.connect();
        const { rows } = await c.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
        expect(rows).toEqual(loadPgMigrations().map((m) => ({ version: m.version })));
        expect(rows.length).toBeGreaterThan(1);
        await c.query(`INSERT INTO ${schema}.schema_migrations VALUES (99, 'future', 0)`);
        await c.end();
        await expect(openPostgresStore(POSTGRES_URL!, { schema })).rejects.toThrow(/newer than this build/);
      } finally {
        await dropSchema(schema);
      }
    });

    it('runs work alone across nodes: a second node skips it while the first holds it, and a dead holder releases it', async () => {
      const a = await freshPostgresStore();
      const b = await openPostgresStore(POSTGRES_URL!, { schema: a.schema });
      try {
        let release!: () => void;
        let pid = 0;
        const held = a.store.runAlone('retention', async () => {
          await new Promise<void>((r) => (release = r));
          return 'a';
        });
        await new Promise((r) => setTimeout(r, 50));
        expect(await b.runAlone('retention', async () => 'b')).toBeUndefined();
        release();
        expect(await held).toBe('a');
        expect(await b.runAlone('retention', async () => 'b')).toBe('b');

        // The holder's connection dies (a node killed, a network cut): the lock goes with its session.
        let unstick!: () => void;
        const stuck = a.store.runAlone('retention', () => new Promise<void>((r) => (unstick = r)));
        const pgc = await import('pg');
        const c = new pgc.default.Client({ connectionString: POSTGRES_URL });
        await c.connect();
        try {
          for (let i = 0; i < 50 && pid === 0; i++) {
            const { rows } = await c.query(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND objid = (hashtext('tollgate.run-alone.retention')::bigint & 4294967295)`);
            pid = (rows[0]?.pid as number | undefined) ?? 0;
            if (pid === 0) await new Promise((r) => setTimeout(r, 20));
          }
          expect(pid).toBeGreaterThan(0);
          expect(await b.runAlone('retention', async () => 'b')).toBeUndefined();
          await c.query('SELECT pg_terminate_backend($1)', [pid]);
        } finally {
          await c.end();
        }
        let got: string | undefined;
        for (let i = 0; i < 50 && got === undefined; i++) {
          got = await b.runAlone('retention', async () => 'b');
          if (got === undefined) await new Promise((r) => setTimeout(r, 20));
        }
        expect(got).toBe('b');
        unstick();
        await stuck; // its unlock fails on the dead connection, which is dropped, not returned to the pool
      } finally {
        await b.close();
        await a.cleanup();
      }
    }, 30_000);

    it('stores hostile text exactly: values inlined in a batch are escaped, never SQL', async () => {
      const t = await freshPostgresStore();
      try {
        const nasty = `it's'); DROP TABLE grants; -- \\ \\' $1 ? "q" \u{1F600} \u00e9`;
        const g = await seedActive(t.store, { intent: nasty, task_id: nasty });
        expect((await t.store.getGrant(g.id))?.intent).toBe(nasty);
        const [e] = await t.store.appendAudits([draft('exchange.denied', T0, { reason: nasty, detail: { nasty } })]);
        expect((await t.store.readAudit(e!.seq - 1, 1))[0]).toEqual(e);
        expect((await verifyChain(await t.store.readAudit(0, 100), await t.store.auditHead())).ok).toBe(true);
      } finally {
        await t.cleanup();
      }
    });

    it('keeps the audit log append-only in the database itself', async () => {
      const t = await freshPostgresStore();
      try {
        await t.store.appendAudit(draft('exchange.denied', T0, {}));
        const pgc = await import('pg');
        const c = new pgc.default.Client({ connectionString: POSTGRES_URL });
        await c.connect();
        try {
          await expect(c.query(`UPDATE ${t.schema}.audit_events SET reason = 'x'`)).rejects.toThrow(/append-only/);
          await expect(c.query(`DELETE FROM ${t.schema}.audit_events`)).rejects.toThrow(/append-only/);
          await expect(c.query(`TRUNCATE ${t.schema}.audit_events`)).rejects.toThrow(/append-only/);
        } finally {
          await c.end();
        }
      } finally {
        await t.cleanup();
      }
    });

    it('appends onto the head it left itself without reading it; onto another node\'s appends after one refused batch', async () => {
      const t = await freshPostgresStore();
      const b = await openPostgresStore(POSTGRES_URL!, { schema: t.schema });
      const { Client } = (await import('pg')).default;
      const sent: string[] = [];
      const query = Client.prototype.query;
      Client.prototype.query = function (this: InstanceType<typeof Client>, ...args: unknown[]) {
        sent.push(typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text);
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof query;
      const headReads = () => sent.filter((q) => /^SELECT seq, hash FROM audit_head\b/.test(q)).length;
      const append = async (store: typeof b, n: number) => {
        sent.length = 0;
        await store.appendAudits(Array.from({ length: n }, (_, i) => draft('exchange.denied', T0 + i, {})));
      };
      try {
        await append(t.store, 1); // nothing known yet: the head is read
        expect(headReads()).toBe(1);
        await append(t.store, 2); // onto the head its own append left: one round trip, no read
        expect(headReads()).toBe(0);
        expect(sent).toHaveLength(1);
        await append(b, 1); // another node moves the head
        await append(t.store, 1); // the guess is stale: its batch is refused, then the head is read
        expect(headReads()).toBe(1);
        expect(sent.length).toBeGreaterThan(2);
        await append(t.store, 1); // after a miss the head is read for a while
        expect(headReads()).toBe(1);
        const events = await t.store.readAudit(0, 100);
        expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
        expect((await verifyChain(events, await t.store.auditHead())).ok).toBe(true);
      } finally {
        Client.prototype.query = query;
        await b.close();
        await t.cleanup();
      }
    });

    it('several nodes (pools) writing at once never fork the chain, and a grant is revoked exactly once', async () => {
      const t = await freshPostgresStore();
      const nodes = await Promise.all([1, 2, 3].map(() => openPostgresStore(POSTGRES_URL!, { schema: t.schema })));
      try {
        const grants = await Promise.all(Array.from({ length: 12 }, (_, i) => seedActive(nodes[i % 3]!, { id: `grt_${i}` })));
        const appends = Array.from({ length: 60 }, (_, i) => nodes[i % 3]!.appendAudit(draft('exchange.denied', T0 + i, {})));
        const revokes = grants.flatMap((g, i) => [0, 1, 2].map((k) => nodes[(i + k) % 3]!.revokeBatch({ grant_ids: [g.id] }, revokeCtx(), 10)));
        const [, revoked] = await Promise.all([Promise.all(appends), Promise.all(revokes)]);
        expect(revoked.flat().map((g) => g.id).sort()).toEqual(grants.map((g) => g.id).sort());
        const events = await t.store.readAudit(0, 10_000);
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
        expect(events.filter((e) => e.type === 'grant.revoked')).toHaveLength(12);
        expect((await verifyChain(events, await t.store.auditHead())).ok).toBe(true);
        expect(await t.store.auditHead()).toEqual({ seq: events.length, hash: events.at(-1)!.hash });
      } finally {
        await Promise.all(nodes.map((s) => s.close()));
        await t.cleanup();
      }
    });
  });
});
