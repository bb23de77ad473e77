import { draft, type AuditDraft } from '../audit/event.ts';
import { withGrantFields } from '../audit/grant-event.ts';
import type { Deps } from '../deps.ts';
import type { ActionClass } from '../model/action-class.ts';
import type { Grant } from '../model/grant.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { newApprovalId, type Approval, type ApprovalKind } from './approval.ts';
import { resolveApprovers } from './approvers.ts';
import { foldOrAdmit } from './pending-approvals.ts';
import { notifyApprovalWaiting } from './webhook.ts';

export interface NewApproval {
  kind: ApprovalKind;
  /** `grant`: the waiting grant, inserted with the approval; `call`: the live grant the call uses */
  grant: Grant;
  /** the policy obligation, e.g. "owner" or "owner,principal" */
  obligation: string;
  requestHash: string;
  actions: ActionClass[];
  tool: string | null;
  argumentsDigest: string | null;
  /** epoch ms the request can never outlive: the input tokens' or the grant's end */
  notAfter: number;
  requestId: string;
  /** the audit fields of the request (intent, policy ids…) */
  event: Partial<AuditDraft>;
}

/**
 * Open a request for a human decision and tell the webhook; a repeat of one still waiting is
 * that one, and too many waiting is 429 (pending-approvals.ts). Fails closed with access_denied when
 * a rule names nobody who could answer it (`principal` without a delegating human).
 */
export async function openApproval(deps: Deps, n: NewApproval): Promise<Approval> {
  const g = n.grant;
  const folded = await foldOrAdmit(deps, { kind: n.kind, agent: g.agent, task_id: g.task_id, requestHash: n.requestHash });
  if (folded) return folded;
  const now = deps.now();
  const rules = n.obligation.split(',').filter(Boolean);
  const approvers = resolveApprovers(rules, { owner: g.owner, agentApprovers: deps.agents.lookup(g.agent)?.approvers ?? [], principal: g.principal });
  const unanswerable = rules.filter((r) => approvers[r]!.length === 0);
  if (unanswerable.length > 0) {
    await deps.store.appendAudit(
      draft(n.kind === 'grant' ? 'exchange.denied' : 'approval.refused', now, {
        ...n.event,
        request_id: n.requestId,
        decision: 'deny',
        reason: `approval rule without approvers: ${unanswerable.join(',')}`,
      }),
    );
    throw new OAuthError('access_denied', `policy requires an approval (${unanswerable.join(',')}) that nobody can give for this request`);
  }
  const approval: Approval = {
    id: newApprovalId(),
    kind: n.kind,
    grant_id: g.id,
    request_hash: n.requestHash,
    agent: g.agent,
    principal: g.principal,
    owner: g.owner,
    task_id: g.task_id,
    resource: g.resource,
    actions: n.actions,
    intent: g.intent,
    tool: n.tool,
    arguments_digest: n.argumentsDigest,
    rules,
    approvers,
    decisions: [],
    status: 'pending',
    created_at: now,
    expires_at: Math.min(now + deps.config.approvals.ttl * 1000, n.notAfter),
    decided_at: null,
    used_at: null,
    version: 1,
  };
  const event = withGrantFields(
    draft(n.kind === 'grant' ? 'grant.pending_approval' : 'approval.requested', now, {
      ...n.event,
      actions: n.actions,
      request_id: n.requestId,
      decision: 'approval_required',
      reason: `approval: ${n.obligation}`,
      detail: { ...(n.event.detail ?? {}), approval_id: approval.id, kind: n.kind, tool: n.tool, arguments_digest: n.argumentsDigest },
    }),
    g,
  );
  // A new waiting grant is stamped as it is inserted, so mass revocations order against it exactly.
  const waiting = n.kind === 'grant' ? { ...g, created_at: deps.now() } : null;
  await deps.store.requestApproval(approval, waiting, event);
  // Started here, whatever the runtime; `background` only keeps it alive past the response (Workers).
  const notified = notifyApprovalWaiting(deps, approval).catch(() => undefined);
  deps.background?.(notified);
  return approval;
}
