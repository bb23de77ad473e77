import type { AuditCheckpoint } from '../../audit/checkpoint.ts';
import { GENESIS_HASH } from '../../audit/event.ts';

export const CHECKPOINT_COLUMNS = ['seq_from', 'seq_to', 'count', 'prev_hash', 'head_hash', 'time_from', 'time_to', 'exported_to', 'jws', 'pruned_at'] as const;

export const CHECKPOINTS_SQL = `SELECT ${CHECKPOINT_COLUMNS.join(', ')} FROM audit_checkpoints ORDER BY seq_to`;

/**
 * 1 when `cp` may be pruned, else 0 (a missing row compares NULL, and falls to 0): it continues
 * the newest recorded checkpoint, and the stored events of its range are all there, linked to
 * its prev_hash and ending in its head_hash. One SQL text for every engine, so the rule is
 * written once; the SQL stores run it as a batch guard, SQLite inside its transaction.
 */
export const PRUNE_OK_SQL = `CASE WHEN
  (SELECT coalesce(max(seq_to), 0) FROM audit_checkpoints) = ?
  AND coalesce((SELECT head_hash FROM audit_checkpoints ORDER BY seq_to DESC LIMIT 1), '${GENESIS_HASH}') = ?
  AND (SELECT count(*) FROM audit_events WHERE seq >= ? AND seq <= ?) = ?
  AND (SELECT prev_hash FROM audit_events WHERE seq = ?) = ?
  AND (SELECT hash FROM audit_events WHERE seq = ?) = ?
  AND (SELECT time FROM audit_events WHERE seq = ?) = ?
  AND (SELECT time FROM audit_events WHERE seq = ?) = ?
  THEN 1 ELSE 0 END`;

export function pruneOkParams(cp: AuditCheckpoint): (string | number)[] {
  return [
    cp.seq_from - 1, cp.prev_hash, cp.seq_from, cp.seq_to, cp.count, cp.seq_from, cp.prev_hash,
    cp.seq_to, cp.head_hash, cp.seq_from, cp.time_from, cp.seq_to, cp.time_to,
  ];
}

export function checkpointValues(cp: AuditCheckpoint): (string | number)[] {
  return CHECKPOINT_COLUMNS.map((c) => cp[c]);
}

export const INSERT_CHECKPOINT_SQL = `INSERT INTO audit_checkpoints (${CHECKPOINT_COLUMNS.join(', ')}) VALUES (${CHECKPOINT_COLUMNS.map(() => '?').join(', ')})`;

export function rowToCheckpoint(r: Record<string, unknown>): AuditCheckpoint {
  const n = (k: string) => Number(r[k]);
  return {
    seq_from: n('seq_from'), seq_to: n('seq_to'), count: n('count'), prev_hash: String(r.prev_hash), head_hash: String(r.head_hash),
    time_from: n('time_from'), time_to: n('time_to'), exported_to: String(r.exported_to), jws: String(r.jws), pruned_at: n('pruned_at'),
  };
}
