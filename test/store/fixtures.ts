import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

export * from './grant-fixtures.ts';

export interface TempStore {
  store: SqliteStore;
  path: string;
  cleanup(): Promise<void>;
}

/** A fresh SQLite file in its own temp dir; `cleanup` closes the store (if still open) and removes the dir. */
export function tempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-store-'));
  const path = join(dir, 'tollgate.db');
  const store = openSqliteStore(path);
  return {
    store,
    path,
    async cleanup() {
      if (store.db.open) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
