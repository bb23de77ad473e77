import type { Approval } from '../../approvals/approval.ts';
import type { AuditDraft } from '../../audit/event.ts';
import type { Grant } from '../../grants/grant.ts';
import { APPROVAL_COLUMNS, APPROVAL_PATCH_COLUMNS, fromRow, toRow } from '../sqlite/approval-rows.ts';
import type { ApprovalRow } from '../sqlite/approval-rows.ts';
import { withGrantFields } from '../sqlite/grant-events.ts';
import { GRANT_COLUMNS } from '../sqlite/grant-rows.ts';
import type { ApprovalPatch, GrantPatch, GrantStep } from '../store.ts';
import { appendAudit } from './audit-append.ts';
import { insertGrant, updateIfUnchanged } from './grant-writes.ts';
import { expectChanges, withRetries } from './guard.ts';
import type { D1Batching } from './json-chunks.ts';
import { refusalGuards, refusalReads, throwIfRefused } from './refusal.ts';
import { firstOf, grantsOf, snapshot } from './snapshot.ts';

const GRANT_PATCH_COLUMNS = ['expires_at', 'issued_at', 'revoked_at', 'status_reason', 'lease', 'credential_fingerprint', 'credential_expires_at'] as const satisfies readonly (keyof GrantPatch)[];

/** Human approvals on D1, with the contracts of Store.requestApproval and Store.updateApproval. */
export function d1ApprovalOperations(cx: D1Batching) {
  const { db } = cx;
  return {
    async requestApproval(approval: Approval, grant: Grant | null, event: AuditDraft): Promise<void> {
      if (grant) {
        if (grant.status !== 'pending_approval') throw new Error('requestApproval: the waiting grant must be pending_approval');
        if (grant.id !== approval.grant_id) throw new Error('requestApproval: the approval must name the waiting grant');
      }
      const row = toRow(approval);
      await withRetries('requestApproval', async () => {
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
      return withRetries('updateApproval', async () => {
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
          const gset = GRANT_PATCH_COLUMNS.filter((c) => step.patch[c] !== undefined);
          grant = { ...before, status: step.to };
          for (const c of gset) (grant as unknown as Record<string, unknown>)[c] = step.patch[c] ?? null;
          statements.push(...updateIfUnchanged(cx, [before], `status = ?${gset.map((c) => `, ${c} = ?`).join('')}`, [step.to, ...gset.map((c) => step.patch[c] ?? null)]));
          drafts.push(withGrantFields(step.event, grant));
        }
        const append = await appendAudit(cx, head, drafts);
        await db.batch([...statements, ...append.statements]);
        return { approval, grant };
      });
    },
  };
}
