import type { D1Database, D1PreparedStatement, D1Result } from '@cloudflare/workers-types';
import type { Grant } from '../../grants/grant.ts';
import { rowToGrant } from '../sqlite/grant-rows.ts';
import type { GrantRow } from '../sqlite/grant-rows.ts';
import { HEAD_SQL, toHead } from './audit-append.ts';
import type { AuditHead } from './audit-append.ts';

export interface Snapshot {
  results: D1Result[];
  head: AuditHead | null;
}

/** The given reads and the audit head, from one snapshot (a batch runs as one transaction). */
export async function snapshot(db: D1Database, reads: D1PreparedStatement[]): Promise<Snapshot> {
  const results = await db.batch([...reads, db.prepare(HEAD_SQL)]);
  return { results: results.slice(0, -1), head: toHead(results.at(-1)?.results[0] as AuditHead | undefined) };
}

export function grantsOf(r: D1Result | undefined): Grant[] {
  return ((r?.results ?? []) as GrantRow[]).map(rowToGrant);
}

export function firstOf<T>(r: D1Result | undefined): T | undefined {
  return r?.results[0] as T | undefined;
}
