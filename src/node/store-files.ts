import { statSync } from 'node:fs';

export interface StoreFileSizes {
  database_bytes: number;
  wal_bytes: number;
}

/** The SQLite file and its WAL as the disk holds them; a WAL not there (checkpointed away, not yet made) is 0. */
export function sqliteFileSizes(path: string): () => StoreFileSizes {
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return () => ({ database_bytes: size(path), wal_bytes: size(`${path}-wal`) });
}
