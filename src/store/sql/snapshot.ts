import type { SqlDatabase, SqlStatement, SqlResult } from './sql-database.ts';
import type { Grant } from '../../model/grant.ts';
import { rowToGrant } from '../sqlite/grant-rows.ts';
import type { GrantRow } from '../sqlite/grant-rows.ts';
import { HEAD_SQL, toHead } from './audit-append.ts';
import type { AuditHead } from './audit-append.ts';

export interface Snapshot {
  results: SqlResult[];
  head: AuditHead | null;
}

/** The given reads and the audit head, from one snapshot (a batch runs as one transaction). */
export async function snapshot(db: SqlDatabase, reads: SqlStatement[]): Promise<Snapshot> {
  const results = await db.batch([...reads, db.prepare(HEAD_SQL)]);
  return { results: results.slice(0, -1), head: toHead(results.at(-1)?.results[0] as AuditHead | undefined) };
}

export function grantsOf(r: SqlResult | undefined): Grant[] {
  return ((r?.results ?? []) as unknown as GrantRow[]).map(rowToGrant);
}

export function firstOf<T>(r: SqlResult | undefined): T | undefined {
  return r?.results[0] as T | undefined;
}
