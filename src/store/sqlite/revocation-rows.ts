import type { RevocationFilter, RevocationRecord } from '../store.ts';

// The `revocations` row and its mapping, shared by the SQLite store and the D1 store (same schema).

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
