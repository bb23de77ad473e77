import type { SqlStatement } from './sql-database.ts';
import type { AuditDraft, AuditEvent } from '../../audit/event.ts';
import type { Grant, GrantStatus } from '../../model/grant.ts';
import { liveQuery, newestLiveQuery } from '../sqlite/grant-queries.ts';
import { withGrantFields } from '../../audit/grant-event.ts';
import { GRANT_COLUMNS } from '../sqlite/grant-rows.ts';
import type { GrantPatch, RevocationFilter, RevocationRecord, RevokeContext } from '../store.ts';
import { appendAudit } from './audit-append.ts';
import { addCallLeaseJobs, addJobs, addProgress, insertGrant, transitionGrant, updateIfUnchanged } from './grant-writes.ts';
import { expectChanges, withRetries } from './guard.ts';
import { guessHead } from './known-head.ts';
import type { SqlBatching } from './json-chunks.ts';
import { refusalGuards, refusalReads, throwIfRefused } from './refusal.ts';
import { insertRevocation } from './revocation-rows.ts';
import { firstOf, grantsOf, snapshot as snapshotOf } from './snapshot.ts';
import { boundCutoff, cutoffScope } from '../revocation-cutoff.ts';
import { STALE_ISSUING_REASON, assertCreatable, expiredGrant, failedIssuing, revokedGrant } from '../write-rules.ts';

const COLUMNS = GRANT_COLUMNS.join(', ');

/**
 * Every writing Store operation of the SQL store (D1, PostgreSQL), each one read → compute → ONE guarded batch, retried on a
 * write conflict (guard.ts). Same contracts as the SQLite store's write-operations.ts; what each change becomes and says is
 * in write-rules.ts, shared with it.
 */
export function sqlWriteOperations(cx: SqlBatching) {
  const { db } = cx;
  const snapshot = (reads: SqlStatement[]) => snapshotOf(db, reads);
  // Events with nothing else read or written: onto the head this node last wrote, if it knows it.
  const appendOnly = (operation: string, events: readonly AuditDraft[]) =>
    withRetries(cx, operation, async () => {
      const head = guessHead(cx) ?? (await snapshot([])).head;
      const append = await appendAudit(cx, head, events);
      await db.batch(append.statements);
      return append.events;
    });

  return {
    async createGrant(grant: Grant, event: AuditDraft): Promise<void> {
      assertCreatable(grant);
      await withRetries(cx, 'createGrant', async () => {
        const { results, head } = await snapshot(refusalReads(db, grant));
        throwIfRefused(results);
        const append = await appendAudit(cx, head, [withGrantFields(event, grant)]);
        await db.batch([...refusalGuards(db, grant), insertGrant(db, grant), ...append.statements]);
      });
    },

    async transition(id: string, from: readonly GrantStatus[], to: GrantStatus, patch: GrantPatch, event: AuditDraft): Promise<Grant | null> {
      if (from.length === 0) return null;
      return withRetries(cx, 'transition', async () => {
        const { results, head } = await snapshot([db.prepare(`SELECT ${COLUMNS} FROM grants WHERE id = ?`).bind(id)]);
        const [before] = grantsOf(results[0]);
        if (!before || !from.includes(before.status)) return null;
        const { after, statements } = transitionGrant(cx, before, to, patch);
        const append = await appendAudit(cx, head, [withGrantFields(event, after)]);
        await db.batch([...statements, ...append.statements]);
        return after;
      });
    },

    async appendAudit(event: AuditDraft): Promise<AuditEvent> {
      return (await appendOnly('appendAudit', [event]))[0]!;
    },

    async appendAudits(events: readonly AuditDraft[]): Promise<AuditEvent[]> {
      if (events.length === 0) return [];
      return appendOnly('appendAudits', events);
    },

    async closeTask(taskId: string, agent: string | null, time: number, event: AuditDraft): Promise<void> {
      const who = agent ?? ''; // '' closes the task for every agent
      await withRetries(cx, 'closeTask', async () => {
        const { results, head } = await snapshot([db.prepare('SELECT 1 FROM closed_tasks WHERE task_id = ? AND agent = ?').bind(taskId, who)]);
        if ((results[0]?.results.length ?? 0) > 0) return; // closed already: no second event
        const append = await appendAudit(cx, head, [event]);
        await db.batch([
          db.prepare('INSERT INTO closed_tasks (task_id, agent, closed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').bind(taskId, who, time),
          expectChanges(db, 1),
          ...append.statements,
        ]);
      });
    },

    async createRevocation(given: RevocationRecord, event: AuditDraft): Promise<RevocationRecord> {
      const scope = cutoffScope(given);
      const newest = scope === null ? null : newestLiveQuery(scope, cx.dialect);
      return withRetries(cx, 'createRevocation', async () => {
        const { results, head } = await snapshot(newest === null ? [] : [db.prepare(newest.sql).bind(...newest.params)]);
        const record = boundCutoff(given, firstOf<{ m: number | null }>(results[0])?.m ?? null);
        const append = await appendAudit(cx, head, [event]);
        // The audit head moving is the guard: a grant recorded since the snapshot fails this batch.
        await db.batch([...insertRevocation(db, record), ...append.statements]);
        return record;
      });
    },

    async revokeBatch(filter: RevocationFilter, ctx: RevokeContext, limit: number): Promise<Grant[]> {
      const q = liveQuery(filter, limit, cx.dialect); // throws on a filter that names nothing, before any I/O
      if (limit === 0) return [];
      return withRetries(cx, 'revokeBatch', async () => {
        const { results, head } = await snapshot([db.prepare(q.sql).bind(...q.params)]);
        const before = grantsOf(results[0]);
        if (before.length === 0) return [];
        const outcomes = before.map((g) => revokedGrant(g, ctx));
        const revoked = outcomes.map((o) => o.after);
        const owed = before.filter((_, i) => outcomes[i]!.owesJob);
        const append = await appendAudit(cx, head, outcomes.map((o) => o.event));
        await db.batch([
          ...updateIfUnchanged(cx, before, `status = 'revoked', revoked_at = ?, status_reason = ?, revoked_by = ?`, [ctx.time, ctx.reason, ctx.revocation_id]),
          ...addJobs(cx, owed, ctx.time),
          ...addCallLeaseJobs(cx, before, ctx.time),
          ...append.statements,
          ...(ctx.revocation_id !== null ? addProgress(cx, ctx.revocation_id, revoked) : []),
        ]);
        return revoked;
      });
    },

    // Two runners may race to the end of one revocation (a resumed one and the original): one finishes it, once.
    async finishRevocation(id: string, event: AuditDraft): Promise<void> {
      await withRetries(cx, 'finishRevocation', async () => {
        const { results, head } = await snapshot([db.prepare('SELECT finished_at, revoked_count FROM revocations WHERE id = ?').bind(id)]);
        const r = results[0]?.results[0] as { finished_at: number | null; revoked_count: number } | undefined;
        if (!r) throw new Error(`finishRevocation: no revocation ${id}`);
        if (r.finished_at !== null) return;
        const append = await appendAudit(cx, head, [event]);
        await db.batch([
          // The count it was read with: a batch counted in since then makes this a conflict, not a loss.
          db.prepare('UPDATE revocations SET finished_at = ? WHERE id = ? AND finished_at IS NULL AND revoked_count = ?').bind(event.time, id, r.revoked_count),
          expectChanges(db, 1),
          ...append.statements,
        ]);
      });
    },

    async expireDue(now: number, limit: number): Promise<number> {
      if (limit === 0) return 0;
      return withRetries(cx, 'expireDue', async () => {
        // No ORDER BY, as on SQLite: each status's range of the index already comes in expiry order.
        const { results, head } = await snapshot([
          db.prepare(`SELECT ${COLUMNS} FROM grants WHERE status IN ('active', 'pending_approval') AND expires_at <= ? LIMIT ?`).bind(now, limit),
        ]);
        const before = grantsOf(results[0]);
        if (before.length === 0) return 0;
        const outcomes = before.map((g) => expiredGrant(g, now));
        const owed = before.filter((_, i) => outcomes[i]!.owesJob);
        const append = await appendAudit(cx, head, outcomes.map((o) => o.event));
        await db.batch([...updateIfUnchanged(cx, before, `status = 'expired'`, []), ...addJobs(cx, owed, now), ...addCallLeaseJobs(cx, before, now), ...append.statements]);
        return before.length;
      });
    },

    async failStaleIssuing(before: number, now: number, limit: number): Promise<Grant[]> {
      if (limit === 0) return [];
      return withRetries(cx, 'failStaleIssuing', async () => {
        const { results, head } = await snapshot([
          db.prepare(`SELECT ${COLUMNS} FROM grants WHERE status = 'issuing' AND created_at < ? ORDER BY created_at LIMIT ?`).bind(before, limit),
        ]);
        const stale = grantsOf(results[0]);
        if (stale.length === 0) return [];
        const outcomes = stale.map((g) => failedIssuing(g, now));
        const append = await appendAudit(cx, head, outcomes.map((o) => o.event));
        await db.batch([
          ...updateIfUnchanged(cx, stale, `status = 'failed', status_reason = ?`, [STALE_ISSUING_REASON]),
          ...addJobs(cx, stale.filter((_, i) => outcomes[i]!.owesJob), now),
          ...append.statements,
        ]);
        return outcomes.map((o) => o.after);
      });
    },

    // A job another worker already completed stays completed, and its event is not written twice.
    async completeJob(id: number, event: AuditDraft): Promise<void> {
      await withRetries(cx, 'completeJob', async () => {
        const { results, head } = await snapshot([db.prepare('SELECT id FROM revocation_jobs WHERE id = ?').bind(id)]);
        if (results[0]?.results.length === 0) return;
        const append = await appendAudit(cx, head, [event]);
        await db.batch([db.prepare('DELETE FROM revocation_jobs WHERE id = ?').bind(id), expectChanges(db, 1), ...append.statements]);
      });
    },

    async rescheduleJob(id: number, nextAttemptAt: number, error: string): Promise<void> {
      await db.prepare('UPDATE revocation_jobs SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?').bind(nextAttemptAt, error, id).run();
    },
  };
}

export type SqlWriteOperations = ReturnType<typeof sqlWriteOperations>;
