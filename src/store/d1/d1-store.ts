import type { D1Database } from '@cloudflare/workers-types';
import { SqlStore, type SqlStoreOptions } from '../sql/sql-store.ts';
import { migrateD1 } from './migrate.ts';

// The D1 driver: D1's client is the SqlDatabase the SQL store is written against, so all that is
// D1's own is its migrations (bundled: a Worker reads no files).

export type D1StoreOptions = SqlStoreOptions;

/** The Store on Cloudflare D1: the SQL store with SQLite's dialect. */
export type D1Store = SqlStore;
export const D1Store = SqlStore;

/** Migrate `db` to this build's schema, then open the store on it. */
export async function openD1Store(db: D1Database, opts: D1StoreOptions = {}): Promise<D1Store> {
  await migrateD1(db);
  return new SqlStore(db, opts);
}
