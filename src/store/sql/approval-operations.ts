import type { Approval } from '../../approvals/approval.ts';
import type { AuditDraft } from '../../audit/event.ts';
import type { Grant } from '../../model/grant.ts';
import { APPROVAL_COLUMNS, APPROVAL_PATCH_COLUMNS, fromRow, listApprovalsQuery, toRow } from '../sqlite/approval-rows.ts';
import type { ApprovalRow } from '../sqlite/approval-rows.ts';
import { withGrantFields } from '../../audit/grant-event.ts';
import { GRANT_COLUMNS } from '../sqlite/grant-rows.ts';
import { encodeCursor } from '../sqlite/cursor.ts';
import { clampLimit } from '../sqlite/limits.ts';
import type { ApprovalListFilter, ApprovalPage, ApprovalPatch, GrantStep } from '../store.ts';
import { appendAudit } from './audit-append.ts';
import { insertGrant, transitionGrant } from './grant-writes.ts';
import { expectChanges, withRetries } from './guard.ts';
import type { SqlBatching } from './json-chunks.ts';
import { refusalGuards, refusalReads, throwIfRefused } from './refusal.ts';
import { firstOf, grantsOf, snapshot } from './snapshot.ts';

/** Page cap, as on SQLite. */
const MAX_APPROVAL_PAGE = 200;

/** Human approvals in the SQL store (D1, PostgreSQL), with the contracts of their Store methods. */
export function sqlApprovalOperations(cx: SqlBatching) {
  const { db } = cx;
  return {
    async getApproval(id: string): Promise<Approval | null> {
      const r = await db.prepare(`SELECT ${APPROVAL_COLUMNS.join(', ')} FROM approvals WHERE id = ?`).bind(id).first<ApprovalRow>();
      return r ? fromRow(r) : null;
    },

    async listApprovals(filter: ApprovalListFilter, limit: number, cursor: string | null): Promise<ApprovalPage> {
      const n = clampLimit(limit, MAX_APPROVAL_PAGE);
      if (n === 0) return { approvals: [], next_cursor: null };
      const q = listApprovalsQuery(filter, cursor, n + 1);
      const { results } = await db.prepare(q.sql).bind(...q.params).all<ApprovalRow>();
      const approvals = results.slice(0, n).map(fromRow);
      const last = approvals.at(-1);
      return { approvals, next_cursor: results.length > n && last ? encodeCursor(last) : null };
    },

    async requestApproval(approval: Approval, grant: Grant | null, event: AuditDraft): Promise<void> {
      if (grant) {
        if (grant.status !== 'pending_approval') throw new Error('requestApproval: the waiting grant must be pending_approval');
        if (grant.id !== approval.grant_id) throw new Error('requestApproval: the approval must name the waiting grant');
      }
      const row = toRow(approval);
      await withRetries(cx, 'requestApproval', async () => {
        const { results, head } = await snapshot(db, grant ? refusalReads(db, grant) : []);
        if (grant) throwIfRefused(results);
        const append = await appendAudit(cx, head, [event]);
        await db.batch([
          ...(grant ? [...refusalGuards(db, grant), insertGrant(db, grant)] : []),
          // Without a waiting grant, the foreign key refuses an approval naming no grant.
          db.prepare(`INSERT INTO approvals (${APPROVAL_COLUMNS.join(', ')}) VALUES (${APPROVAL_COLUMNS.map(() => '?').join(', ')})`).bind(...APPROVAL_COLUMNS.map((c) => row[c])),
          ...append.statements,
        ]);
      });
    },

    async updateApproval(id: string, version: number, patch: ApprovalPatch, event: AuditDraft, step: GrantStep | null): Promise<{ approval: Approval; grant: Grant | null } | null> {
      return withRetries(cx, 'updateApproval', async () => {
        const { results, head } = await snapshot(db, [
          db.prepare(`SELECT ${APPROVAL_COLUMNS.join(', ')} FROM approvals WHERE id = ?`).bind(id),
          db.prepare(`SELECT ${GRANT_COLUMNS.join(', ')} FROM grants WHERE id = (SELECT grant_id FROM approvals WHERE id = ?)`).bind(id),
        ]);
        const row = firstOf<ApprovalRow>(results[0]);
        if (!row || row.version !== version) return null;
        const set = APPROVAL_PATCH_COLUMNS.filter((c) => patch[c] !== undefined);
        const approval: Approval = { ...fromRow(row), version: version + 1 };
        for (const c of set) (approval as unknown as Record<string, unknown>)[c] = patch[c] ?? null;
        const statements = [
          db
            .prepare(`UPDATE approvals SET version = version + 1${set.map((c) => `, ${c} = ?`).join('')} WHERE id = ? AND version = ?`)
            .bind(...set.map((c) => (c === 'decisions' ? JSON.stringify(patch.decisions) : (patch[c] ?? null))), id, version),
          expectChanges(db, 1),
        ];
        let grant: Grant | null = null;
        const drafts = [event];
        if (step) {
          const [before] = grantsOf(results[1]);
          // The grant moved on: nothing at all is written, as if the approval had lost its race.
          if (!before || !step.from.includes(before.status)) return null;
          const moved = transitionGrant(cx, before, step.to, step.patch);
          grant = moved.after;
          statements.push(...moved.statements);
          drafts.push(withGrantFields(step.event, grant));
        }
        const append = await appendAudit(cx, head, drafts);
        await db.batch([...statements, ...append.statements]);
        return { approval, grant };
      });
    },
  };
}
