import type { AuditEvent } from '../../audit/event.ts';
import type { ActClaim } from '../../model/grant.ts';

/** An `audit_events` row: JSON columns are text. */
export interface AuditRow {
  seq: number;
  time: number;
  type: string;
  request_id: string | null;
  agent: string | null;
  principal: string | null;
  act: string | null;
  task_id: string | null;
  grant_id: string | null;
  resource: string | null;
  scope: string | null;
  actions: string;
  decision: string | null;
  policy_ids: string;
  reason: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

export const AUDIT_COLUMNS = [
  'seq', 'time', 'type', 'request_id', 'agent', 'principal', 'act', 'task_id', 'grant_id', 'resource', 'scope',
  'actions', 'decision', 'policy_ids', 'reason', 'detail', 'prev_hash', 'hash',
] as const satisfies readonly (keyof AuditRow)[];

/**
 * No validation beyond JSON parsing: a row someone tampered with must come back as it is, so
 * that verification sees and reports it rather than the reader hiding it.
 */
export function rowToEvent(r: AuditRow): AuditEvent {
  return {
    type: r.type as AuditEvent['type'],
    time: r.time,
    request_id: r.request_id,
    agent: r.agent,
    principal: r.principal,
    act: r.act === null ? null : (JSON.parse(r.act) as ActClaim),
    task_id: r.task_id,
    grant_id: r.grant_id,
    resource: r.resource,
    scope: r.scope,
    actions: JSON.parse(r.actions) as string[],
    decision: r.decision as AuditEvent['decision'],
    policy_ids: JSON.parse(r.policy_ids) as string[],
    reason: r.reason,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
    seq: r.seq,
    prev_hash: r.prev_hash,
    hash: r.hash,
  };
}
