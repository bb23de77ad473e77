import type { Approval } from './approval.ts';

/** What approvers, the waiting agent and webhooks see. `expired` is derived: a pending request past its time. */
export function approvalView(a: Approval, now: number) {
  const expired = a.status === 'pending' && a.expires_at <= now;
  return {
    id: a.id,
    kind: a.kind,
    status: expired ? 'expired' : a.status,
    grant_id: a.grant_id,
    agent: a.agent,
    principal: a.principal,
    owner: a.owner,
    task_id: a.task_id,
    resource: a.resource,
    actions: a.actions,
    intent: a.intent,
    tool: a.tool,
    arguments_digest: a.arguments_digest,
    rules: a.rules,
    approvers: a.approvers,
    decisions: a.decisions.map((d) => ({ ...d, at: new Date(d.at).toISOString() })),
    created_at: new Date(a.created_at).toISOString(),
    expires_at: new Date(a.expires_at).toISOString(),
    decided_at: a.decided_at === null ? null : new Date(a.decided_at).toISOString(),
    used_at: a.used_at === null ? null : new Date(a.used_at).toISOString(),
  };
}

export type ApprovalView = ReturnType<typeof approvalView>;
