import type { AuditDraft } from '../../audit/event.ts';
import type { Freeze } from '../../grants/freeze.ts';
import { ACTIVE_FREEZES_SQL, INSERT_FREEZE_SQL, LIFT_FREEZE_SQL, freezeValues, rowToFreeze, type FreezeRow } from '../freeze-rows.ts';
import { appendAudit } from './audit-append.ts';
import { expectChanges, withRetries } from './guard.ts';
import type { SqlBatching } from './json-chunks.ts';
import { firstOf, snapshot } from './snapshot.ts';

/** Freezes on the SQL store (D1, PostgreSQL), with the contracts of their Store methods. */
export function sqlFreezeOperations(cx: SqlBatching) {
  const { db } = cx;
  return {
    async freeze(freeze: Freeze, event: AuditDraft): Promise<void> {
      await withRetries(cx, 'freeze', async () => {
        const { head } = await snapshot(db, []);
        const append = await appendAudit(cx, head, [event]);
        await db.batch([db.prepare(INSERT_FREEZE_SQL).bind(...freezeValues(freeze)), ...append.statements]);
      });
    },

    async liftFreeze(id: string, by: string, time: number, event: AuditDraft): Promise<boolean> {
      return withRetries(cx, 'liftFreeze', async () => {
        const { results, head } = await snapshot(db, [db.prepare('SELECT lifted_at FROM freezes WHERE id = ?').bind(id)]);
        const row = firstOf<{ lifted_at: number | null }>(results[0]);
        if (!row || row.lifted_at !== null) return false;
        const append = await appendAudit(cx, head, [event]);
        await db.batch([db.prepare(LIFT_FREEZE_SQL).bind(time, by, id), expectChanges(db, 1), ...append.statements]);
        return true;
      });
    },

    async activeFreezes(): Promise<Freeze[]> {
      const { results } = await db.prepare(ACTIVE_FREEZES_SQL).all<FreezeRow>();
      return results.map(rowToFreeze);
    },
  };
}
