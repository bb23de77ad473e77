import type { AuditDraft } from '../../audit/event.ts';
import { COUNT_BLOCKS_SQL, DELETE_BLOCKS_SQL, LIST_BLOCKS_SQL, LIST_REVOCATIONS_SQL, MAX_OPERATOR_LIST } from '../block-rows.ts';
import { toRecord, type RevocationRow } from '../sqlite/revocation-rows.ts';
import type { Block, RevocationRecord } from '../store.ts';
import { appendAudit } from './audit-append.ts';
import { expectChanges, withRetries } from './guard.ts';
import type { SqlBatching } from './json-chunks.ts';
import { firstOf, snapshot } from './snapshot.ts';

/** Blocks and the list of mass revocations on the SQL store (D1, PostgreSQL), with the contracts of their Store methods. */
export function sqlBlockOperations(cx: SqlBatching) {
  const { db } = cx;
  const bounded = (limit: number) => Math.max(0, Math.min(MAX_OPERATOR_LIST, Math.floor(limit)));
  return {
    async listRevocations(limit: number): Promise<RevocationRecord[]> {
      const { results } = await db.prepare(LIST_REVOCATIONS_SQL).bind(bounded(limit)).all<RevocationRow>();
      return results.map(toRecord);
    },

    async listBlocks(limit: number): Promise<Block[]> {
      const { results } = await db.prepare(LIST_BLOCKS_SQL).bind(bounded(limit)).all<Block>();
      return results;
    },

    async liftBlocks(kind: Block['kind'], subject: string, event: AuditDraft): Promise<number> {
      return withRetries(cx, 'liftBlocks', async () => {
        const { results, head } = await snapshot(db, [db.prepare(COUNT_BLOCKS_SQL).bind(kind, subject)]);
        const n = Number(firstOf<{ n: number }>(results[0])?.n ?? 0);
        if (n === 0) return 0;
        const append = await appendAudit(cx, head, [event]);
        // The count guards the delete: a block added or lifted meanwhile fails the batch, and it is read again.
        await db.batch([db.prepare(DELETE_BLOCKS_SQL).bind(kind, subject), expectChanges(db, n), ...append.statements]);
        return n;
      });
    },
  };
}
