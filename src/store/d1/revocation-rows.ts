import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import type { RevocationFilter, RevocationRecord } from '../store.ts';

export interface RevocationRow {
  id: string;
  filter: string;
  reason: string;
  requested_by: string;
  block: number;
  created_at: number;
  finished_at: number | null;
  revoked_count: number;
}

export const REVOCATION_COLUMNS = 'id, filter, reason, requested_by, block, created_at, finished_at, revoked_count';

/** The record and, when it blocks, one block per agent/principal its filter names. The batch fails on a duplicate id. */
export function insertRevocation(db: D1Database, r: RevocationRecord): D1PreparedStatement[] {
  const out = [
    db
      .prepare(`INSERT INTO revocations (${REVOCATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .bind(r.id, JSON.stringify(r.filter), r.reason, r.requested_by, r.block ? 1 : 0, r.created_at, r.finished_at, r.revoked_count),
  ];
  if (!r.block) return out;
  const block = (kind: 'agent' | 'principal', subject: string) =>
    db.prepare('INSERT INTO blocks (kind, subject, revocation_id, created_at) VALUES (?, ?, ?, ?)').bind(kind, subject, r.id, r.created_at);
  if (r.filter.agent !== undefined) out.push(block('agent', r.filter.agent));
  if (r.filter.principal !== undefined) out.push(block('principal', r.filter.principal));
  return out;
}

export function toRecord(r: RevocationRow): RevocationRecord {
  return {
    id: r.id,
    filter: JSON.parse(r.filter) as RevocationFilter,
    reason: r.reason,
    requested_by: r.requested_by,
    block: r.block === 1,
    created_at: r.created_at,
    finished_at: r.finished_at,
    revoked_count: r.revoked_count,
  };
}
