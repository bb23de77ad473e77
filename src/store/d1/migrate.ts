import type { D1Database } from '@cloudflare/workers-types';
import { MIGRATIONS } from './migrations.generated.ts';
import { splitSql } from './split-sql.ts';

export interface BundledMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * D1 refuses `PRAGMA user_version` (SQLITE_AUTH), so the applied versions live in a table. The
 * guard table is D1's alone: a statement in a batch inserts into it to fail the whole batch when
 * what an operation read no longer holds (see guard.ts). Neither belongs in the shared .sql files.
 */
const BOOTSTRAP = [
  'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  'CREATE TABLE IF NOT EXISTS write_guard (stale INTEGER CONSTRAINT stale_read CHECK (stale = 0))',
];

/**
 * Bring the D1 schema up to date: each migration is one batch (D1 runs a batch as one
 * transaction, DDL included) ending with its schema_migrations row. Two isolates opening a fresh
 * database at once both try; the loser's batch fails on the version's primary key or an existing
 * table, rolls back whole, and it carries on once it sees the version recorded.
 */
export async function migrateD1(db: D1Database, migrations: readonly BundledMigration[] = MIGRATIONS): Promise<void> {
  assertSequential(migrations);
  await db.batch(BOOTSTRAP.map((s) => db.prepare(s)));
  let applied = await appliedVersions(db);
  assertKnown(applied, migrations.length);
  for (const m of migrations) {
    if (applied.includes(m.version)) continue;
    try {
      await db.batch([
        ...splitSql(m.sql).map((s) => db.prepare(s)),
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').bind(m.version, m.name, Date.now()),
      ]);
    } catch (e) {
      applied = await appliedVersions(db);
      if (!applied.includes(m.version)) throw new Error(`d1 store: migration ${m.name} failed`, { cause: e });
    }
  }
}

/** The versions recorded, for a reader that must not migrate. */
export async function appliedVersions(db: D1Database): Promise<number[]> {
  const { results } = await db.prepare('SELECT version FROM schema_migrations ORDER BY version').all<{ version: number }>();
  return results.map((r) => r.version);
}

function assertSequential(migrations: readonly BundledMigration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`d1 migrations: expected version ${i + 1}, found ${m.name}`);
  });
}

function assertKnown(applied: readonly number[], latest: number): void {
  const newest = applied.at(-1) ?? 0;
  if (newest > latest) throw new Error(`d1 store: schema version ${newest} is newer than this build (${latest})`);
  applied.forEach((v, i) => {
    if (v !== i + 1) throw new Error(`d1 store: schema_migrations has a gap before version ${v}`);
  });
}
