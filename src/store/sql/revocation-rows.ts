import type { SqlDatabase, SqlStatement } from './sql-database.ts';
import type { RevocationRecord } from '../store.ts';
import { REVOCATION_COLUMNS } from '../sqlite/revocation-rows.ts';

/** The record and, when it blocks, one block per agent/principal its filter names. The batch fails on a duplicate id. */
export function insertRevocation(db: SqlDatabase, r: RevocationRecord): SqlStatement[] {
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
