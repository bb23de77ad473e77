import type { AuditDraft, AuditEventType } from './event.ts';
import type { Grant } from '../model/grant.ts';

/** An event about `g` that the store writes on its own account (revocation, expiry, reconciliation). */
export function grantEvent(
  type: AuditEventType,
  time: number,
  g: Grant,
  why: Pick<AuditDraft, 'request_id' | 'reason' | 'detail'>,
): AuditDraft {
  return {
    type,
    time,
    request_id: why.request_id,
    agent: g.agent,
    principal: g.principal,
    act: g.act,
    task_id: g.task_id,
    grant_id: g.id,
    resource: g.resource,
    scope: g.scope,
    actions: g.actions,
    decision: null,
    policy_ids: g.policy_ids,
    reason: why.reason,
    detail: why.detail,
  };
}

/**
 * A caller's event about `g`, with the grant fields it left empty taken from the grant, so every
 * grant event in the log says which grant, agent and task it concerns. Fields the caller set win.
 */
export function withGrantFields(d: AuditDraft, g: Grant): AuditDraft {
  return {
    ...d,
    agent: d.agent ?? g.agent,
    principal: d.principal ?? g.principal,
    act: d.act ?? g.act,
    task_id: d.task_id ?? g.task_id,
    grant_id: d.grant_id ?? g.id,
    resource: d.resource ?? g.resource,
    scope: d.scope ?? g.scope,
    actions: d.actions.length > 0 ? d.actions : g.actions,
    policy_ids: d.policy_ids.length > 0 ? d.policy_ids : g.policy_ids,
  };
}
