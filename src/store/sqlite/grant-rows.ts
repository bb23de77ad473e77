import type { ActionClass } from '../../model/action-class.ts';
import type { ActClaim, Grant, GrantStatus } from '../../model/grant.ts';

/** A `grants` row as better-sqlite3 returns it: JSON columns are still text. */
export interface GrantRow {
  id: string;
  status: string;
  agent: string;
  owner: string;
  principal: string | null;
  act: string | null;
  task_id: string;
  resource: string;
  provider: string;
  actions: string;
  scope: string;
  intent: string | null;
  policy_ids: string;
  approval: string | null;
  token_type: string;
  parent_grant_id: string | null;
  created_at: number;
  expires_at: number;
  issued_at: number | null;
  revoked_at: number | null;
  status_reason: string | null;
  lease: string | null;
  credential_fingerprint: string | null;
  credential_expires_at: number | null;
}

export const GRANT_COLUMNS = [
  'id', 'status', 'agent', 'owner', 'principal', 'act', 'task_id', 'resource', 'provider', 'actions', 'scope',
  'intent', 'policy_ids', 'approval', 'token_type', 'parent_grant_id', 'created_at', 'expires_at', 'issued_at',
  'revoked_at', 'status_reason', 'lease', 'credential_fingerprint', 'credential_expires_at',
] as const satisfies readonly (keyof GrantRow & keyof Grant)[];

export const INSERT_GRANT_SQL =
  `INSERT INTO grants (${GRANT_COLUMNS.join(', ')}) VALUES (${GRANT_COLUMNS.map((c) => '@' + c).join(', ')})`;

export function grantToRow(g: Grant): GrantRow {
  return {
    id: g.id,
    status: g.status,
    agent: g.agent,
    owner: g.owner,
    principal: g.principal ?? null,
    act: g.act ? JSON.stringify(g.act) : null,
    task_id: g.task_id,
    resource: g.resource,
    provider: g.provider,
    actions: JSON.stringify(g.actions),
    scope: g.scope,
    intent: g.intent ?? null,
    policy_ids: JSON.stringify(g.policy_ids),
    approval: g.approval ?? null,
    token_type: g.token_type,
    parent_grant_id: g.parent_grant_id ?? null,
    created_at: g.created_at,
    expires_at: g.expires_at,
    issued_at: g.issued_at ?? null,
    revoked_at: g.revoked_at ?? null,
    status_reason: g.status_reason ?? null,
    lease: g.lease ?? null,
    credential_fingerprint: g.credential_fingerprint ?? null,
    credential_expires_at: g.credential_expires_at ?? null,
  };
}

export function rowToGrant(r: GrantRow): Grant {
  return {
    id: r.id,
    // The CHECK constraint on the column keeps this cast honest.
    status: r.status as GrantStatus,
    agent: r.agent,
    owner: r.owner,
    principal: r.principal,
    act: r.act === null ? null : (JSON.parse(r.act) as ActClaim),
    task_id: r.task_id,
    resource: r.resource,
    provider: r.provider,
    actions: JSON.parse(r.actions) as ActionClass[],
    scope: r.scope,
    intent: r.intent,
    policy_ids: JSON.parse(r.policy_ids) as string[],
    approval: r.approval,
    token_type: r.token_type,
    parent_grant_id: r.parent_grant_id,
    created_at: r.created_at,
    expires_at: r.expires_at,
    issued_at: r.issued_at,
    revoked_at: r.revoked_at,
    status_reason: r.status_reason,
    lease: r.lease,
    credential_fingerprint: r.credential_fingerprint,
    credential_expires_at: r.credential_expires_at,
  };
}
