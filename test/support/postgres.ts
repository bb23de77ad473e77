import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { PostgresStore, PostgresStoreOptions } from '../../src/store/postgres/postgres-store.ts';

/**
 * The PostgreSQL server tests run against: DATABASE_URL, as `.ci/run` exports it after starting a
 * throw-away cluster (scripts/postgres-cluster.sh). Without one, PostgreSQL tests are skipped,
 * unless TOLLGATE_TEST_REQUIRE_POSTGRES=1 (CI sets it), which makes the missing server an error.
 */
export const POSTGRES_URL: string | undefined = process.env.DATABASE_URL || undefined;

if (POSTGRES_URL === undefined && process.env.TOLLGATE_TEST_REQUIRE_POSTGRES === '1') {
  throw new Error('TOLLGATE_TEST_REQUIRE_POSTGRES=1 but DATABASE_URL is not set: start a cluster with scripts/postgres-cluster.sh');
}

let n = 0;

/** A schema of its own on the test server, so tests running in parallel never see each other's rows. */
export function freshSchemaName(): string {
  return `t_${process.pid}_${Date.now().toString(36)}_${++n}`;
}

export interface PostgresSubject {
  store: PostgresStore;
  schema: string;
  cleanup(): Promise<void>;
}

export async function freshPostgresStore(opts: PostgresStoreOptions = {}): Promise<PostgresSubject> {
  if (POSTGRES_URL === undefined) throw new Error('no DATABASE_URL');
  const schema = opts.schema ?? freshSchemaName();
  const store = await openPostgresStore(POSTGRES_URL, { ...opts, schema });
  return {
    store,
    schema,
    async cleanup() {
      await store.close();
      await dropSchema(schema);
    },
  };
}

export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: POSTGRES_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}
