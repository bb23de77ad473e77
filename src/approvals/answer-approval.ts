import { draft } from '../audit/event.ts';
import type { Deps } from '../deps.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import type { GrantStep } from '../store/store.ts';
import { approvalAuditFields, type Approval, type ApprovalDecision } from './approval.ts';
import { rulesFor, type Human } from './approvers.ts';

const MAX_TRIES = 4;
export const MAX_REASON_CHARS = 512;

/**
 * A human approves or denies. Each answer covers the rules this human is entitled to; the
 * request is approved once every rule has an approving answer and denied by any denial (which
 * also denies a waiting grant). Entitlement, expiry and "still pending" are checked against the
 * row the compare-and-set writes over, so two answers racing cannot both count on stale state.
 */
export async function answerApproval(
  deps: Deps,
  id: string,
  human: Human,
  verdict: 'approve' | 'deny',
  reason: string | null,
  requestId: string,
): Promise<Approval> {
  for (let i = 0; i < MAX_TRIES; i++) {
    const a = await deps.store.getApproval(id);
    if (!a) throw new OAuthError('not_found', 'no such approval');
    const now = deps.now();
    const fields = { request_id: requestId, ...approvalAuditFields(a) };
    const rules = rulesFor(a, human, deps.config.approvals.groups);
    if (rules.length === 0) {
      await deps.store.appendAudit(draft('approval.refused', now, { ...fields, decision: 'deny', reason: 'not an approver of this request', detail: { approval_id: a.id, by: human.id, verdict } }));
      throw new OAuthError('access_denied', 'you are not an approver of this request');
    }
    if (a.status !== 'pending') throw new OAuthError('conflict', `the approval is already ${a.status}`);
    if (a.expires_at <= now) throw new OAuthError('expired_token', 'the approval request has expired');
    if (a.kind === 'grant') {
      const g = await deps.store.getGrant(a.grant_id);
      if (g?.status !== 'pending_approval') throw new OAuthError('conflict', `the request is no longer waiting: its grant is ${g?.status ?? 'gone'}`);
    }
    const open = rules.filter((r) => !a.decisions.some((d) => d.rule === r && d.verdict === 'approve'));
    if (open.length === 0) throw new OAuthError('conflict', 'you have already approved every rule you can answer');

    const decisions: ApprovalDecision[] = [...a.decisions, ...open.map((rule) => ({ rule, by: human.id, at: now, verdict, reason }))];
    const approved = verdict === 'approve' && a.rules.every((r) => decisions.some((d) => d.rule === r && d.verdict === 'approve'));
    const status = verdict === 'deny' ? 'denied' : approved ? 'approved' : 'pending';
    const event = draft('approval.answered', now, {
      ...fields,
      decision: verdict === 'deny' ? 'deny' : approved ? 'allow' : 'approval_required',
      reason,
      detail: { approval_id: a.id, by: human.id, verdict, rules: open, status },
    });
    const step: GrantStep | null =
      verdict === 'deny' && a.kind === 'grant'
        ? { from: ['pending_approval'], to: 'denied', patch: { status_reason: 'approval denied' }, event: draft('grant.denied', now, { request_id: requestId, decision: 'deny', reason: 'approval denied', detail: { approval_id: a.id, by: human.id } }) }
        : null;
    const res = await deps.store.updateApproval(a.id, a.version, { status, decisions, decided_at: status === 'pending' ? null : now }, event, step);
    if (res) return res.approval;
    // Someone else answered first, or the waiting grant moved on (its task ended): look again.
    const again = await deps.store.getApproval(id);
    if (again && again.version === a.version) throw new OAuthError('conflict', 'the request is no longer waiting for approval');
  }
  throw new OAuthError('conflict', 'the approval kept changing; try again');
}
