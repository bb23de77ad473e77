// Grant and event fixtures with no Node or SQLite dependency, so the Store contract suite also
// runs inside workerd against D1.
import { draft } from '../../src/audit/event.ts';
import type { AuditDraft, AuditEventType } from '../../src/audit/event.ts';
import { newGrantId } from '../../src/model/grant.ts';
import type { Grant } from '../../src/model/grant.ts';
import type { RevokeContext, Store } from '../../src/store/store.ts';

/** A fixed instant, so expiry and ordering tests never depend on the wall clock. */
export const T0 = 1_760_000_000_000;

export function makeGrant(overrides: Partial<Grant> = {}): Grant {
  return {
    id: newGrantId(),
    status: 'issuing',
    agent: 'spiffe://acme.test/agent/reporter',
    owner: 'team-data',
    principal: 'alice@acme.test',
    act: { sub: 'spiffe://acme.test/agent/reporter', act: { sub: 'spiffe://acme.test/orchestrator' } },
    task_id: 'task-1',
    resource: 'aws:s3:reports',
    provider: 'aws-sts',
    actions: ['read'],
    scope: 'aws:s3:reports:read',
    intent: 'summarise the quarterly report',
    policy_ids: ['allow-reports-read'],
    approval: null,
    token_type: 'urn:ietf:params:oauth:token-type:jwt',
    parent_grant_id: null,
    created_at: T0,
    expires_at: T0 + 15 * 60_000,
    issued_at: null,
    revoked_at: null,
    status_reason: null,
    lease: null,
    credential_fingerprint: null,
    credential_expires_at: null,
    ...overrides,
  };
}

/** The event a caller would write alongside a change to `g`. */
export function grantDraft(type: AuditEventType, g: Grant, time = g.created_at): AuditDraft {
  return draft(type, time, {
    request_id: 'req-' + g.id,
    agent: g.agent,
    principal: g.principal,
    act: g.act,
    task_id: g.task_id,
    grant_id: g.id,
    resource: g.resource,
    scope: g.scope,
    actions: g.actions,
    policy_ids: g.policy_ids,
    decision: 'allow',
  });
}

/** Create the grant as `issuing`, then move it to `active` with a lease, as issuance does. */
export async function seedActive(store: Store, overrides: Partial<Grant> = {}): Promise<Grant> {
  const g = makeGrant({ ...overrides, status: 'issuing' });
  await store.createGrant(g, grantDraft('grant.issuing', g));
  const lease = overrides.lease === undefined ? 'lease-' + g.id : overrides.lease;
  const active = await store.transition(g.id, ['issuing'], 'active', { issued_at: g.created_at, lease }, grantDraft('grant.active', g));
  if (!active) throw new Error('seedActive: transition lost');
  return active;
}

export function revokeCtx(overrides: Partial<RevokeContext> = {}): RevokeContext {
  return { time: T0 + 60_000, request_id: 'req-revoke', reason: 'test revocation', revocation_id: null, by: 'admin@acme.test', ...overrides };
}
