import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draft } from '../../src/audit/event.ts';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { freshDatabase } from '../multinode/nodes.ts';
import { CLI } from '../support/paths.ts';
import { POSTGRES_URL } from '../support/postgres.ts';

// `tollgate audit verify --db postgres://…`: the chain as PostgreSQL holds it, read in read-only
// transactions, with the schema left as it is.
const verify = (url: string) => {
  const r = spawnSync(process.execPath, [CLI, 'audit', 'verify', '--db', url], { encoding: 'utf8' });
  let report: Record<string, any> = {};
  try {
    report = JSON.parse(r.stdout || '{}');
  } catch {}
  return { status: r.status, report, out: r.stdout + r.stderr };
};

describe.skipIf(POSTGRES_URL === undefined)('tollgate audit verify --db on PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const sql = async (text: string) => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return await c.query(text);
    } finally {
      await c.end();
    }
  };
  beforeAll(async () => {
    db = await freshDatabase();
    const store = await openPostgresStore(db.url);
    await store.appendAudits(Array.from({ length: 50 }, (_, i) => draft('credential.issued', 1_760_000_000_000 + i, { detail: { i } })));
    await store.close();
  });
  afterAll(async () => db?.drop());

  it('verifies the untouched chain, then names an edited event (exit 1)', async () => {
    const ok = verify(db.url);
    expect(ok.status, ok.out).toBe(0);
    expect(ok.report).toMatchObject({ ok: true, checked: 50, head_seq: 50 });
    // Past the append-only triggers as only a superuser can, as an attacker with the database would.
    await sql(`SET session_replication_role = replica; UPDATE audit_events SET reason = 'nothing happened' WHERE seq = 7`);
    const bad = verify(db.url);
    expect(bad.status).toBe(1);
    expect(bad.report.problems).toEqual([expect.objectContaining({ seq: 7, kind: 'edited' })]);
  });

  it('reads in read-only transactions: a store opened so cannot write, whatever it is asked', async () => {
    const reader = await openPostgresStore(db.url, { readOnly: true });
    try {
      expect((await reader.auditHead())?.seq).toBe(50);
      await expect(reader.appendAudit(draft('credential.issued', 1_760_000_100_000, {}))).rejects.toThrow(/read-only transaction/);
    } finally {
      await reader.close();
    }
    expect(verify(db.url).report.head_seq).toBe(50);
  });

  it('never migrates: a schema of another version is refused with what it found, and a database without one says so', async () => {
    await sql(`INSERT INTO schema_migrations VALUES (99, 'future', 0)`);
    const newer = verify(db.url);
    expect(newer.status).not.toBe(0);
    expect(newer.out).toMatch(/schema version 99, this build reads version \d+/);
    await sql('DELETE FROM schema_migrations WHERE version = 99');

    const empty = await freshDatabase();
    try {
      const none = verify(empty.url);
      expect(none.status).not.toBe(0);
      expect(none.out).toMatch(/no Tollgate schema in this database/);
      // Nothing was created there.
      const c = new pg.Client({ connectionString: empty.url });
      await c.connect();
      expect((await c.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`)).rows[0].n).toBe(0);
      await c.end();
    } finally {
      await empty.drop();
    }
  });
});
