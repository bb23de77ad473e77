import type { Database } from 'better-sqlite3';
import type { AuditDraft } from '../../audit/event.ts';
import type { AuditCheckpoint } from '../../audit/checkpoint.ts';
import type { Grant, GrantStatus } from '../../model/grant.ts';
import type { Approval } from '../../approvals/approval.ts';
import type { ApprovalPatch, CallLease, GrantPatch, GrantStep, IssuedCallLease, RevocationFilter, RevocationRecord, RevokeContext, RiskChange } from '../store.ts';
import { GrantRefused } from '../store-errors.ts';
import type { SqliteApprovals } from './approval-table.ts';
import type { RiskLevel } from '../../policy/types.ts';
import type { SqliteCallLeases } from './call-lease-table.ts';
import type { SqliteAuditLog } from './audit-log.ts';
import { withGrantFields } from '../../audit/grant-event.ts';
import { rowToGrant } from './grant-rows.ts';
import type { SqliteGrants } from './grant-table.ts';
import type { SqliteJobQueue } from './job-queue.ts';
import type { SqliteRevocations } from './revocation-table.ts';
import type { SqliteRiskTables } from './risk-tables.ts';
import { boundCutoff, cutoffScope } from '../revocation-cutoff.ts';
import type { Freeze } from '../../grants/freeze.ts';
import { INSERT_FREEZE_SQL, LIFT_FREEZE_SQL, freezeValues } from '../freeze-rows.ts';
import { assertCreatable, expiredGrant, failedIssuing, keepsCallCredential, revokedGrant, riskChangeEvent, withdrawnCredential } from '../write-rules.ts';

export interface Tables {
  grants: SqliteGrants;
  audit: SqliteAuditLog;
  jobs: SqliteJobQueue;
  revocations: SqliteRevocations;
  approvals: SqliteApprovals;
  risk: SqliteRiskTables;
  callLeases: SqliteCallLeases;
}

/**
 * Every writing Store operation, each one BEGIN IMMEDIATE transaction holding the state change
 * and the audit events that describe it; what each change becomes and says is in write-rules.ts,
 * shared with the SQL store. A throw anywhere — the audit insert included — rolls
 * the whole operation back. IMMEDIATE takes the write lock before the first read, so the rows a
 * body selects are still as it saw them when it writes, even with another process on the file.
 */
export function writeOperations(db: Database, t: Tables) {
  const write = <A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => R) => {
    const tx = db.transaction(fn);
    return (...args: A) => tx.immediate(...args);
  };

  const insertFreeze = db.prepare(INSERT_FREEZE_SQL);
  const liftFreeze = db.prepare(LIFT_FREEZE_SQL);

  // Inside the insert's transaction: a block or a task completion recorded a moment ago is seen.
  const refuseIfClosed = (g: Grant): void => {
    if (g.status === 'denied') return;
    if (t.revocations.isBlocked(g.agent, g.principal)) throw new GrantRefused('blocked');
    if (t.revocations.isTaskClosed(g.task_id, g.agent)) throw new GrantRefused('task_closed');
  };

  const LOST_RACE = new Error('lost race');
  const updateApprovalTx = write((id: string, version: number, patch: ApprovalPatch, event: AuditDraft, step: GrantStep | null) => {
    const approval = t.approvals.compareAndSet(id, version, patch);
    if (!approval) return null;
    let grant: Grant | null = null;
    if (step) {
      grant = t.grants.compareAndSet(approval.grant_id, step.from, step.to, step.patch);
      if (!grant) throw LOST_RACE;
    }
    t.audit.append(grant && step ? [event, withGrantFields(step.event, grant)] : [event]);
    return { approval, grant };
  });

  return {
    createGrant: write((grant: Grant, event: AuditDraft): void => {
      assertCreatable(grant);
      refuseIfClosed(grant);
      t.grants.insert(grant);
      t.audit.append([withGrantFields(event, grant)]);
    }),

    transition: write((id: string, from: readonly GrantStatus[], to: GrantStatus, patch: GrantPatch, event: AuditDraft): Grant | null => {
      const g = t.grants.compareAndSet(id, from, to, patch);
      if (g) t.audit.append([withGrantFields(event, g)]);
      return g;
    }),

    requestApproval: write((approval: Approval, grant: Grant | null, event: AuditDraft): void => {
      if (grant) {
        if (grant.status !== 'pending_approval') throw new Error('requestApproval: the waiting grant must be pending_approval');
        if (grant.id !== approval.grant_id) throw new Error('requestApproval: the approval must name the waiting grant');
        refuseIfClosed(grant);
        t.grants.insert(grant);
      }
      t.approvals.insert(approval);
      t.audit.append([event]);
    }),

    // A failed grant step throws inside the transaction, so the approval update rolls back with it.
    updateApproval: (id: string, version: number, patch: ApprovalPatch, event: AuditDraft, step: GrantStep | null) => {
      try {
        return updateApprovalTx(id, version, patch, event, step);
      } catch (e) {
        if (e === LOST_RACE) return null;
        throw e;
      }
    },

    closeTask: write((taskId: string, agent: string | null, time: number, event: AuditDraft): void => {
      if (t.revocations.closeTask(taskId, agent, time)) t.audit.append([event]);
    }),

    freeze: write((freeze: Freeze, event: AuditDraft): void => {
      insertFreeze.run(...freezeValues(freeze));
      t.audit.append([event]);
    }),

    liftBlocks: write((kind: 'agent' | 'principal', subject: string, event: AuditDraft): number => {
      const n = t.revocations.liftBlocks(kind, subject);
      if (n > 0) t.audit.append([event]);
      return n;
    }),

    liftFreeze: write((id: string, by: string, time: number, event: AuditDraft): boolean => {
      if (liftFreeze.run(time, by, id).changes !== 1) return false;
      t.audit.append([event]);
      return true;
    }),

    appendAudit: write((event: AuditDraft) => t.audit.append([event])),

    appendAudits: write((events: readonly AuditDraft[]) => t.audit.append(events)),

    beginCallLease: write((lease: CallLease, event: AuditDraft): boolean => {
      const g = t.grants.get(lease.grant_id);
      if (!g || g.status !== 'active' || g.expires_at <= lease.created_at) return false;
      t.callLeases.insert(lease);
      t.audit.append([withGrantFields(event, g)]);
      return true;
    }),

    completeCallLease: write((id: string, issued: IssuedCallLease, event: AuditDraft): boolean => {
      const l = t.callLeases.get(id);
      if (!l) throw new Error(`completeCallLease: no call lease ${id}`);
      if (l.issued_at !== null) throw new Error(`completeCallLease: call lease ${id} is already complete`);
      t.callLeases.complete(id, event.time, issued);
      const g = t.grants.get(l.grant_id)!;
      if (keepsCallCredential(g, event.time)) {
        t.audit.append([withGrantFields(event, g)]);
        return true;
      }
      if (issued.lease !== null) t.jobs.add({ grant_id: g.id, provider: l.provider, lease: issued.lease, at: event.time });
      t.audit.append([withdrawnCredential(g, id, issued, event)]);
      return false;
    }),

    createRevocation: write((given: RevocationRecord, event: AuditDraft): RevocationRecord => {
      const scope = cutoffScope(given);
      const record = boundCutoff(given, scope === null ? null : t.grants.newestLive(scope));
      t.revocations.insert(record);
      t.audit.append([event]);
      return record;
    }),

    revokeBatch: write((filter: RevocationFilter, ctx: RevokeContext, limit: number): Grant[] => {
      const revoked: Grant[] = [];
      const events: AuditDraft[] = [];
      const rows = t.grants.live(filter, limit);
      const leases = t.callLeases.openOf(rows.map((r) => r.id), ctx.time);
      for (const row of rows) {
        const before = rowToGrant(row);
        const { after, event, owesJob } = revokedGrant(before, ctx);
        t.grants.markRevoked(before.id, ctx.time, ctx.reason, ctx.revocation_id);
        if (owesJob) t.jobs.add({ grant_id: before.id, provider: before.provider, lease: before.lease, at: ctx.time });
        for (const l of leases.get(before.id) ?? []) t.jobs.add({ grant_id: before.id, provider: l.provider, lease: l.lease, at: ctx.time });
        revoked.push(after);
        events.push(event);
      }
      t.audit.append(events);
      if (ctx.revocation_id !== null) t.revocations.addProgress(ctx.revocation_id, revoked);
      return revoked;
    }),

    // Two runners may race to the end of one revocation (a resumed one and the original): one finishes it, once.
    finishRevocation: write((id: string, event: AuditDraft): void => {
      const r = t.revocations.finish(id, event.time, t.revocations.get(id)?.revoked_count ?? 0);
      if (r === 'missing') throw new Error(`finishRevocation: no revocation ${id}`);
      if (r === 'finished') t.audit.append([event]);
    }),

    expireDue: write((now: number, limit: number): number => {
      const rows = t.grants.dueForExpiry(now, limit);
      const events = rows.map((row) => {
        const before = rowToGrant(row);
        const { event, owesJob } = expiredGrant(before, now);
        t.grants.markExpired(before.id);
        if (owesJob) t.jobs.add({ grant_id: before.id, provider: before.provider, lease: before.lease, at: now });
        for (const l of t.callLeases.open(before.id, now)) t.jobs.add({ grant_id: before.id, provider: l.provider, lease: l.lease, at: now });
        return event;
      });
      t.audit.append(events);
      return rows.length;
    }),

    failStaleIssuing: write((before: number, now: number, limit: number): Grant[] => {
      const failed = t.grants.staleIssuing(before, limit).map((row) => {
        const g = rowToGrant(row);
        const outcome = failedIssuing(g, now);
        t.grants.markFailed(g.id, outcome.after.status_reason!);
        if (outcome.owesJob) t.jobs.add({ grant_id: g.id, provider: g.provider, lease: g.lease, at: now });
        return outcome;
      });
      t.audit.append(failed.map((f) => f.event));
      return failed.map((f) => f.after);
    }),

    // A job another worker already completed stays completed, and its event is not written twice.
    completeJob: write((id: number, event: AuditDraft): void => {
      if (t.jobs.delete(id)) t.audit.append([event]);
    }),

    rescheduleJob: write((id: number, nextAttemptAt: number, error: string): void => {
      t.jobs.reschedule(id, nextAttemptAt, error);
    }),

    changeRisk: write((change: RiskChange, event: AuditDraft): { previous: RiskLevel | null; level: RiskLevel } => {
      const result = t.risk.change(change);
      t.audit.append([riskChangeEvent(change, result.previous, result.level, event)]);
      return result;
    }),

    pruneAudit: write((checkpoint: AuditCheckpoint, event: AuditDraft): boolean => {
      if (!t.audit.prune(checkpoint)) return false;
      t.audit.append([event]);
      return true;
    }),

    recordSignal: write((issuer: string, jti: string, keepUntil: number, event: AuditDraft): boolean => {
      if (!t.risk.record(issuer, jti, keepUntil, event.time)) return false;
      t.audit.append([event]);
      return true;
    }),
  };
}

export type WriteOperations = ReturnType<typeof writeOperations>;
