import type { AuditDraft } from '../audit/event.ts';
import { grantEvent } from '../audit/grant-event.ts';
import type { Grant, GrantStatus } from '../model/grant.ts';
import type { RiskLevel } from '../policy/types.ts';
import type { IssuedCallLease, RevokeContext, RiskChange } from './store.ts';

// What the store's writes decide and say, written once for every engine: the SQLite store's
// transactions (sqlite/write-operations.ts) and the SQL store's batches (sql/*-operations.ts) read
// their rows their own way, then ask these pure functions what the rows become, which upstream
// credentials are owed a revocation job, and which audit event describes the change.

/** Statuses a grant may be born in: nothing is `active` before a provider has been called. */
const CREATABLE: readonly GrantStatus[] = ['issuing', 'pending_approval', 'denied'];

export function assertCreatable(g: Grant): void {
  if (!CREATABLE.includes(g.status)) throw new Error(`createGrant: a grant cannot be created as ${g.status}`);
}

export const STALE_ISSUING_REASON = 'issuing did not complete';

/** One grant's change, as the store will write it. */
export interface GrantOutcome {
  after: Grant;
  event: AuditDraft;
  /** whether the grant's own upstream credential (its lease) needs a revocation job */
  owesJob: boolean;
}

/** A live grant revoked. A grant caught mid-issue may hold an upstream credential nobody has recorded yet. */
export function revokedGrant(before: Grant, ctx: RevokeContext): GrantOutcome {
  const after: Grant = { ...before, status: 'revoked', revoked_at: ctx.time, status_reason: ctx.reason };
  return {
    after,
    event: grantEvent('grant.revoked', ctx.time, after, {
      request_id: ctx.request_id,
      reason: ctx.reason,
      detail: { revocation_id: ctx.revocation_id, by: ctx.by, previous_status: before.status },
    }),
    owesJob: before.lease !== null || before.status === 'issuing',
  };
}

/** A grant past its expiry. An upstream that could not issue as short as the grant has its credential revoked now. */
export function expiredGrant(before: Grant, now: number): GrantOutcome {
  const after: Grant = { ...before, status: 'expired' };
  return {
    after,
    event: grantEvent('grant.expired', now, after, { request_id: null, reason: 'expired', detail: { previous_status: before.status } }),
    owesJob: before.lease !== null && (before.credential_expires_at ?? 0) > now,
  };
}

/**
 * A grant left `issuing` past the reconciliation cutoff. The lease is unknown when the crash came
 * before the provider answered; the job still goes out so the provider can revoke whatever it
 * may have created for this grant.
 */
export function failedIssuing(before: Grant, now: number): GrantOutcome {
  const after: Grant = { ...before, status: 'failed', status_reason: STALE_ISSUING_REASON };
  return {
    after,
    event: grantEvent('grant.failed', now, after, { request_id: null, reason: STALE_ISSUING_REASON, detail: { previous_status: 'issuing' } }),
    owesJob: true,
  };
}

/**
 * Whether a per-call credential issued under `g` may be handed out: only while the grant is
 * active and unexpired when the provider answers.
 */
export function keepsCallCredential(g: Grant, time: number): boolean {
  return g.status === 'active' && g.expires_at > time;
}

/**
 * The event of a per-call credential that came back after its grant was revoked or expired:
 * nothing is handed out, and its revocation job (if any) had no handle; this one has.
 */
export function withdrawnCredential(g: Grant, callLeaseId: string, issued: IssuedCallLease, event: AuditDraft): AuditDraft {
  return grantEvent('credential.withdrawn', event.time, g, {
    request_id: event.request_id,
    reason: `grant ${g.status} while the credential was being issued`,
    detail: { call_lease: callLeaseId, ...(issued.fingerprint ? { fingerprint: issued.fingerprint } : {}) },
  });
}

/**
 * A call lease whose credential may still be live at a moment `?`: never issued (a crash may have
 * left it unrecorded) or not yet expired. SQL over `call_leases`, one placeholder.
 */
export const CALL_LEASE_MAY_BE_LIVE = '(issued_at IS NULL OR expires_at > ?)';

const RANK: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2 };

/** The level a risk change leaves: `raise` keeps a higher level already recorded (signals only ever raise). */
export function riskAfter(previous: RiskLevel | null, change: RiskChange): { level: RiskLevel; unchanged: boolean } {
  const unchanged = change.mode === 'raise' && previous !== null && RANK[previous] >= RANK[change.level];
  return { level: unchanged ? previous! : change.level, unchanged };
}

/** The audit event of a risk change: whose, and from which level to which. */
export function riskChangeEvent(change: RiskChange, previous: RiskLevel | null, level: RiskLevel, event: AuditDraft): AuditDraft {
  return { ...event, [change.subject.kind]: change.subject.id, detail: { ...event.detail, previous_level: previous, level } };
}
