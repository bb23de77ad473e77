import { readFileSync, readdirSync } from 'node:fs';
import type pg from 'pg';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

const DIR = new URL('./migrations/', import.meta.url);

/** The PostgreSQL migrations shipped with this build, in order (NNN_name.sql). */
export function loadPgMigrations(): PgMigration[] {
  const files = readdirSync(DIR).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return files.map((name, i) => {
    const version = Number(name.slice(0, 3));
    if (version !== i + 1) throw new Error(`postgres migrations: expected version ${i + 1}, found ${name}`);
    return { version, name, sql: readFileSync(new URL(name, DIR), 'utf8') };
  });
}

/**
 * Bring the schema up to date. Several nodes may start at once against one database: a
 * transaction-scoped advisory lock lets one migrate while the others wait, then find nothing to
 * do. All of it commits at once with the schema_migrations rows (PostgreSQL DDL is transactional).
 */
export async function migratePostgres(pool: pg.Pool, schema?: string, migrations: readonly PgMigration[] = loadPgMigrations()): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('tollgate.migrate'))`);
    // `schema` is checked to be an identifier by the caller.
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const applied = (await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    const newest = applied.at(-1) ?? 0;
    if (newest > migrations.length) throw new Error(`postgres store: schema version ${newest} is newer than this build (${migrations.length})`);
    for (const m of migrations) {
      if (applied.includes(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

/** For a reader that must not migrate: the schema is exactly this build's, or it says what it found. */
export async function requireCurrentSchema(pool: pg.Pool, migrations: readonly PgMigration[] = loadPgMigrations()): Promise<void> {
  let newest: number;
  try {
    newest = Number((await pool.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0);
  } catch (e) {
    if ((e as { code?: string }).code === '42P01') throw new Error('postgres store: no Tollgate schema in this database (no schema_migrations table)', { cause: e });
    throw e;
  }
  if (newest !== migrations.length) throw new Error(`postgres store: schema version ${newest}, this build reads version ${migrations.length}${newest < migrations.length ? ' (start a server of this build first: it migrates)' : ''}`);
}
