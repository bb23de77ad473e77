import type { ActClaim } from '../model/grant.ts';

export type AuditEventType =
  | 'exchange.denied'
  | 'exchange.rejected'
  | 'grant.pending_approval'
  | 'grant.issuing'
  | 'grant.active'
  | 'grant.failed'
  | 'grant.revoked'
  | 'grant.expired'
  | 'grant.denied'
  | 'revocation.started'
  | 'revocation.finished'
  | 'revocation.upstream'
  | 'block.added'
  | 'block.lifted'
  | 'task.completed'
  | 'approval.requested'
  | 'approval.answered'
  | 'approval.refused'
  | 'approval.used'
  | 'signal.accepted'
  | 'signal.rejected'
  | 'risk.changed'
  | 'freeze.started'
  | 'freeze.lifted'
  // a person signed in to the console (who, how, whether as an admin)
  | 'console.signed_in'
  // POST /v1/credentials: one event per gateway call, and the lease of a credential it issued.
  | 'credential.issued'
  | 'credential.denied'
  | 'credential.rejected'
  | 'credential.pending'
  // the same decision for a gateway that enforces it itself (AuthZEN): allowed, nothing issued
  | 'credential.evaluated'
  | 'credential.issuing'
  | 'credential.leased'
  | 'credential.withdrawn'
  // retention: a checkpointed, exported prefix of the chain left the live store
  | 'audit.pruned';

/**
 * What a caller hands the store. Never a secret: credentials appear only as fingerprints.
 * `time` comes from the caller's clock so a whole operation shares one instant.
 */
export interface AuditDraft {
  type: AuditEventType;
  time: number;
  request_id: string | null;
  agent: string | null;
  principal: string | null;
  act: ActClaim | null;
  task_id: string | null;
  grant_id: string | null;
  resource: string | null;
  scope: string | null;
  actions: string[];
  decision: 'allow' | 'deny' | 'approval_required' | null;
  policy_ids: string[];
  reason: string | null;
  detail: Record<string, unknown> | null;
}

/** A stored event: the draft plus its place in the chain. */
export interface AuditEvent extends AuditDraft {
  seq: number;
  prev_hash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export function draft(type: AuditEventType, time: number, fields: Partial<Omit<AuditDraft, 'type' | 'time'>>): AuditDraft {
  return {
    type,
    time,
    request_id: fields.request_id ?? null,
    agent: fields.agent ?? null,
    principal: fields.principal ?? null,
    act: fields.act ?? null,
    task_id: fields.task_id ?? null,
    grant_id: fields.grant_id ?? null,
    resource: fields.resource ?? null,
    scope: fields.scope ?? null,
    actions: fields.actions ?? [],
    decision: fields.decision ?? null,
    policy_ids: fields.policy_ids ?? [],
    reason: fields.reason ?? null,
    detail: fields.detail ?? null,
  };
}
