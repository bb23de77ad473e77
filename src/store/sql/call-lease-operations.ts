import type { AuditDraft } from '../../audit/event.ts';
import type { Grant } from '../../model/grant.ts';
import { withGrantFields } from '../../audit/grant-event.ts';
import { keepsCallCredential, withdrawnCredential } from '../write-rules.ts';
import { GRANT_COLUMNS } from '../sqlite/grant-rows.ts';
import type { CallLease, IssuedCallLease } from '../store.ts';
import { appendAudit } from './audit-append.ts';
import { addJobs } from './grant-writes.ts';
import { expectChanges, expectSome, withRetries } from './guard.ts';
import type { SqlBatching } from './json-chunks.ts';
import { firstOf, grantsOf, snapshot } from './snapshot.ts';

const COLUMNS = GRANT_COLUMNS.join(', ');

/** Per-call credentials in the SQL store, with the contracts of Store.beginCallLease and Store.completeCallLease. */
export function sqlCallLeaseOperations(cx: SqlBatching) {
  const { db } = cx;
  /** The grant still has the status it was read with. */
  const grantStill = (g: Grant) => expectSome(db, 'SELECT 1 FROM grants WHERE id = ? AND status = ?', g.id, g.status);

  return {
    async beginCallLease(lease: CallLease, event: AuditDraft): Promise<boolean> {
      return withRetries(cx, 'beginCallLease', async () => {
        const { results, head } = await snapshot(db, [db.prepare(`SELECT ${COLUMNS} FROM grants WHERE id = ?`).bind(lease.grant_id)]);
        const [g] = grantsOf(results[0]);
        if (!g || g.status !== 'active' || g.expires_at <= lease.created_at) return false;
        const append = await appendAudit(cx, head, [withGrantFields(event, g)]);
        await db.batch([
          grantStill(g),
          db.prepare('INSERT INTO call_leases (id, grant_id, provider, action, created_at) VALUES (?, ?, ?, ?, ?)').bind(lease.id, lease.grant_id, lease.provider, lease.action, lease.created_at),
          ...append.statements,
        ]);
        return true;
      });
    },

    async completeCallLease(id: string, issued: IssuedCallLease, event: AuditDraft): Promise<boolean> {
      return withRetries(cx, 'completeCallLease', async () => {
        const { results, head } = await snapshot(db, [
          db.prepare('SELECT grant_id, provider, issued_at FROM call_leases WHERE id = ?').bind(id),
          db.prepare(`SELECT ${COLUMNS} FROM grants WHERE id = (SELECT grant_id FROM call_leases WHERE id = ?)`).bind(id),
        ]);
        const l = firstOf<{ grant_id: string; provider: string; issued_at: number | null }>(results[0]);
        if (!l) throw new Error(`completeCallLease: no call lease ${id}`);
        if (l.issued_at !== null) throw new Error(`completeCallLease: call lease ${id} is already complete`);
        const [g] = grantsOf(results[1]);
        if (!g) throw new Error(`completeCallLease: call lease ${id} names no grant`);
        const kept = keepsCallCredential(g, event.time);
        const drafts = [kept ? withGrantFields(event, g) : withdrawnCredential(g, id, issued, event)];
        const append = await appendAudit(cx, head, drafts);
        await db.batch([
          db
            .prepare('UPDATE call_leases SET issued_at = ?, lease = ?, fingerprint = ?, expires_at = ? WHERE id = ? AND issued_at IS NULL')
            .bind(event.time, issued.lease, issued.fingerprint, issued.expires_at, id),
          expectChanges(db, 1),
          grantStill(g),
          ...(!kept && issued.lease !== null ? addJobs(cx, [{ ...g, provider: l.provider, lease: issued.lease }], event.time) : []),
          ...append.statements,
        ]);
        return kept;
      });
    },
  };
}
