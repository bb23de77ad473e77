import { readdirSync, readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE_NAME = /^(\d+)_[\w-]+\.sql$/;

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migration files in version order; a gap or a duplicate version is a packaging bug, so it throws. */
export function loadMigrations(): Migration[] {
  const migrations = readdirSync(MIGRATIONS_DIR)
    .flatMap((name) => {
      const m = FILE_NAME.exec(name);
      return m ? [{ version: Number(m[1]), name, sql: readFileSync(new URL(name, MIGRATIONS_DIR), 'utf8') }] : [];
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations: expected version ${i + 1}, found ${m.name}`);
  });
  return migrations;
}

/**
 * Bring the schema up to date, one transaction per migration, tracked in `PRAGMA user_version`.
 * The version is re-read inside each BEGIN IMMEDIATE so two processes opening the same file at
 * once (server and CLI) cannot both apply the same migration.
 */
export function migrate(db: Database): void {
  const migrations = loadMigrations();
  assertNotNewer(db, migrations.length);
  for (const m of migrations) {
    db.transaction(() => {
      if (userVersion(db) >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

/** A read-only connection cannot migrate; it can only refuse a schema it does not understand. */
export function assertCurrent(db: Database): void {
  const latest = loadMigrations().length;
  assertNotNewer(db, latest);
  const version = userVersion(db);
  if (version < latest) throw new Error(`sqlite store: schema version ${version}, this build needs ${latest}; open it read-write once to migrate`);
}

function assertNotNewer(db: Database, latest: number): void {
  const version = userVersion(db);
  if (version > latest) throw new Error(`sqlite store: schema version ${version} is newer than this build (${latest})`);
}

function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}
