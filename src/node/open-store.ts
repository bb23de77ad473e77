import type { Config } from '../config/schema.ts';
import { openPostgresStore } from '../store/postgres/postgres-store.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { isPostgresUrl } from '../lib/postgres-url.ts';

/** The store the config names, opened and migrated: SQLite on this node, or a PostgreSQL that several nodes share. */
export async function openConfiguredStore(store: Config['store']): Promise<Store> {
  if (store.sqlite) return openSqliteStore(store.sqlite.path);
  if (store.postgres) {
    const { url, schema, max_connections } = store.postgres;
    return openPostgresStore(url, { maxConnections: max_connections, ...(schema !== undefined ? { schema } : {}) });
  }
  throw new Error('store: a Node server stores in sqlite or postgres (d1 is for the Workers build)');
}

/** A --store value: a postgres:// URL, checked before anything connects. */
export function postgresStoreFlag(url: string): Config['store'] {
  if (!isPostgresUrl(url)) throw new Error('--store takes a PostgreSQL URL (postgres://user@host:port/db)');
  return { postgres: { url, max_connections: 10 } };
}
