import type { Dialect } from '../dialect.ts';
import type { SqlDatabase } from './sql-database.ts';

/** The database, its SQL dialect, and how large one JSON parameter may grow (tests shrink it to exercise chunking). */
export interface SqlBatching {
  db: SqlDatabase;
  dialect: Dialect;
  maxParamBytes: number;
  /**
   * Run this store's writing operations one at a time (PostgreSQL: a node's requests queue in
   * process, and only other nodes' writers can make a batch conflict). Off on D1, whose one
   * writer already serialises batches and whose isolates are many.
   */
  serialWrites?: boolean;
  /** SHA-256 hex of an audit link; Web Crypto when not given (the PostgreSQL driver on Node passes Node's, synchronous) */
  digest?: (text: string) => string;
}

/** D1 refuses a string over 2 MB; a quarter of that leaves room for multi-byte text. */
export const DEFAULT_MAX_PARAM_BYTES = 512 * 1024;

/**
 * Rows handed to SQL as JSON arrays (`json_each(?)`), cut so no one parameter passes `maxBytes`
 * (D1 refuses a string over 2 MB). A batch then holds a handful of statements whatever its row
 * count, instead of one statement per row.
 */
export function jsonChunks(rows: readonly unknown[], maxBytes = DEFAULT_MAX_PARAM_BYTES): { json: string; rows: number }[] {
  const enc = new TextEncoder();
  const chunks: { json: string; rows: number }[] = [];
  let parts: string[] = [];
  let size = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    const bytes = enc.encode(json).length + 1;
    if (parts.length > 0 && size + bytes > maxBytes) {
      chunks.push({ json: `[${parts.join(',')}]`, rows: parts.length });
      parts = [];
      size = 2;
    }
    parts.push(json);
    size += bytes;
  }
  if (parts.length > 0) chunks.push({ json: `[${parts.join(',')}]`, rows: parts.length });
  return chunks;
}

/** The select list over `dialect.jsonRows` rows whose columns have these types. */
export function jsonColumns(dialect: Dialect, types: readonly ('int' | 'text')[]): string {
  return types.map((t, i) => dialect.column(i, t)).join(', ');
}
