import type { AuditCheckpoint } from '../../audit/checkpoint.ts';
import type { AuditDraft } from '../../audit/event.ts';
import { CHECKPOINTS_SQL, INSERT_CHECKPOINT_SQL, PRUNE_OK_SQL, checkpointValues, pruneOkParams, rowToCheckpoint } from '../sqlite/audit-checkpoint-rows.ts';
import { appendAudit } from './audit-append.ts';
import { withRetries } from './guard.ts';
import type { SqlBatching } from './json-chunks.ts';
import { firstOf, snapshot } from './snapshot.ts';

/** Audit retention on the SQL stores (D1, PostgreSQL), with the contracts of its Store methods. */
export function sqlAuditRetentionOperations(cx: SqlBatching) {
  const { db } = cx;
  return {
    async pruneAudit(checkpoint: AuditCheckpoint, event: AuditDraft): Promise<boolean> {
      return withRetries(cx, 'pruneAudit', async () => {
        const { results, head } = await snapshot(db, [db.prepare(`SELECT ${PRUNE_OK_SQL} AS ok`).bind(...pruneOkParams(checkpoint))]);
        if (Number(firstOf<{ ok: number }>(results[0])?.ok ?? 0) !== 1) return false;
        const append = await appendAudit(cx, head, [event]);
        await db.batch([
          // What was checked still holds when the batch runs (the audit head guards the rest).
          db.prepare(`INSERT INTO write_guard (stale) SELECT 1 WHERE ${PRUNE_OK_SQL} = 0`).bind(...pruneOkParams(checkpoint)),
          db.prepare(INSERT_CHECKPOINT_SQL).bind(...checkpointValues(checkpoint)),
          db.prepare('DELETE FROM audit_events WHERE seq <= ?').bind(checkpoint.seq_to),
          ...append.statements,
        ]);
        return true;
      });
    },

    async auditCheckpoints(): Promise<AuditCheckpoint[]> {
      const { results } = await db.prepare(CHECKPOINTS_SQL).all<Record<string, unknown>>();
      return results.map(rowToCheckpoint);
    },
  };
}
