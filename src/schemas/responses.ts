import { z } from 'zod';
import { ACTION_CLASSES } from '../model/action-class.ts';
import { GRANT_STATUSES } from './grants.ts';

// What Tollgate answers, as the OpenAPI document publishes it and the HTTP tests check responses
// against it. Shapes the code builds elsewhere (grants/, approvals/, gateway/) are stated here once
// for the contract; objects allow members added later (clients must ignore what they do not know).

const iso = z.string().meta({ description: 'RFC 3339 date-time (UTC)' });
const isoOrNull = iso.nullable();
const strings = z.array(z.string());

/** RFC 6749 §5.2, for every error of the OAuth endpoints and of Tollgate's own JSON endpoints. */
export const oauthError = z
  .looseObject({
    error: z.string().meta({ description: 'RFC 6749 / 8693 / 7009 error code, or Tollgate\'s: not_found, conflict, payload_too_large, slow_down…' }),
    error_description: z.string(),
    approval_id: z.string().optional().meta({ description: 'with `authorization_pending`: the request a human must answer' }),
  })
  .meta({ id: 'OAuthError' });

/** RFC 8935 §2.3: the error of a Security Event Token push. */
export const setError = z.looseObject({ err: z.string(), description: z.string() }).meta({ id: 'SetError' });

const actClaim: z.ZodType = z.lazy(() => z.looseObject({ sub: z.string(), iss: z.string().optional(), act: actClaim.optional() })).meta({ id: 'ActClaim' });

export const tokenResponse = z
  .looseObject({
    access_token: z.string(),
    issued_token_type: z.string(),
    token_type: z.string(),
    expires_in: z.number().int(),
    scope: z.string(),
    grant_id: z.string(),
    task_id: z.string(),
    credential: z.record(z.string(), z.string()).optional().meta({ description: 'for an upstream credential that is not one bearer token (AWS keys, …)' }),
  })
  .meta({ id: 'TokenResponse' });

export const introspection = z
  .looseObject({
    active: z.boolean(),
    scope: z.string().optional(),
    sub: z.string().optional(),
    client_id: z.string().optional(),
    exp: z.number().int().optional(),
    iat: z.number().int().optional(),
    grant_id: z.string().optional(),
    task_id: z.string().optional(),
    act: actClaim.optional(),
  })
  .meta({ id: 'Introspection' });

export const grant = z
  .looseObject({
    id: z.string(),
    status: z.enum(GRANT_STATUSES),
    recorded_status: z.enum(GRANT_STATUSES).optional().meta({ description: 'the row\'s own status when the one shown (at now) differs' }),
    agent: z.string(),
    owner: z.string(),
    principal: z.string().nullable(),
    act: actClaim.nullable(),
    task_id: z.string(),
    resource: z.string(),
    provider: z.string(),
    actions: z.array(z.enum(ACTION_CLASSES)),
    scope: z.string(),
    intent: z.string().nullable(),
    policy_ids: strings,
    approval: z.string().nullable(),
    token_type: z.string(),
    parent_grant_id: z.string().nullable(),
    created_at: iso,
    expires_at: iso,
    issued_at: isoOrNull,
    revoked_at: isoOrNull,
    status_reason: z.string().nullable(),
    lease: z.string().nullable(),
    credential_fingerprint: z.string().nullable(),
    credential_expires_at: isoOrNull,
  })
  .meta({ id: 'Grant' });

export const grantPage = z.looseObject({ grants: z.array(grant), next_cursor: z.string().nullable() }).meta({ id: 'GrantPage' });

export const approval = z
  .looseObject({
    id: z.string(),
    kind: z.enum(['grant', 'call']),
    status: z.enum(['pending', 'approved', 'denied', 'used', 'expired']),
    grant_id: z.string(),
    agent: z.string(),
    principal: z.string().nullable(),
    owner: z.string(),
    task_id: z.string(),
    resource: z.string(),
    actions: strings,
    intent: z.string().nullable(),
    tool: z.string().nullable(),
    arguments_digest: z.string().nullable(),
    rules: strings,
    approvers: z.record(z.string(), strings),
    decisions: z.array(z.looseObject({ rule: z.string(), by: z.string(), at: iso, verdict: z.enum(['approve', 'deny']), reason: z.string().nullable() })),
    created_at: iso,
    expires_at: iso,
    decided_at: isoOrNull,
    used_at: isoOrNull,
  })
  .meta({ id: 'Approval' });

export const approvalPage = z.looseObject({ approvals: z.array(approval), next_cursor: z.string().nullable() }).meta({ id: 'ApprovalPage' });

const freeze = z
  .looseObject({
    id: z.string(),
    scope: z.looseObject({ agent: z.string().optional(), owner: z.string().optional(), resource: z.string().optional(), provider: z.string().optional() }),
    reason: z.string(),
    frozen_by: z.string(),
    created_at: z.number().int().meta({ description: 'epoch ms' }),
    lifted_at: z.number().int().nullable(),
    lifted_by: z.string().nullable(),
  })
  .meta({ id: 'Freeze' });

export const freezeStarted = z.looseObject({ freeze });
export const freezeStatus = z.looseObject({ frozen: z.boolean(), freezes: z.array(freeze) });
export const freezeLifted = z.looseObject({ lifted: z.array(freeze), frozen: z.boolean() });

const receipt = z
  .looseObject({
    grant_id: z.string(),
    status: z.enum(['revoked', 'pending', 'expires_at']),
    expires_at: isoOrNull.optional().meta({ description: 'until when the credential may still work; null: never (a static secret: rotate it)' }),
    detail: z.string().optional(),
  })
  .meta({ id: 'Receipt' });

export const revocation = z
  .looseObject({
    revocation_id: z.string(),
    status: z.enum(['running', 'finished']),
    revoked: z.number().int(),
    filter: z.record(z.string(), z.unknown()),
    reason: z.string(),
    block: z.boolean(),
    created_at: iso,
    finished_at: isoOrNull,
  })
  .meta({ id: 'Revocation' });

export const revocationWithTotals = revocation.extend({
  receipt_totals: z.looseObject({ revoked: z.number().int(), pending: z.number().int(), expires_at: z.number().int(), static_secrets: z.number().int(), last_expiry: isoOrNull }),
});
export const revocationList = z.looseObject({ revocations: z.array(revocation) });
export const dryRun = z.looseObject({ dry_run: z.literal(true), matched: z.number().int() });
export const receiptPage = z.looseObject({ receipts: z.array(receipt), next_cursor: z.string().nullable() });
export const taskCompleted = z.looseObject({ task_id: z.string(), revoked: z.array(receipt) });

const block = z.looseObject({ kind: z.enum(['agent', 'principal']), subject: z.string(), revocation_id: z.string(), created_at: iso }).meta({ id: 'Block' });
export const blockList = z.looseObject({ blocks: z.array(block) });
export const blocksLifted = z.looseObject({ lifted: z.number().int(), kind: z.enum(['agent', 'principal']), subject: z.string() });

const level = z.enum(['low', 'medium', 'high']);
export const riskView = z.looseObject({
  agent: z.string().optional(),
  principal: z.string().optional(),
  level,
  registered_level: level.nullable().optional(),
  recorded_level: level.nullable(),
  tokens_not_before: isoOrNull,
});
export const riskChanged = z.looseObject({ agent: z.string().optional(), principal: z.string().optional(), level, previous_level: level.nullable(), revoked: z.number().int(), revocation_ids: strings });

export const credentialResponse = z
  .looseObject({
    grant_id: z.string(),
    task_id: z.string(),
    action: z.string(),
    scope: z.string(),
    policy_ids: strings,
    issued_token_type: z.string(),
    token_type: z.enum(['Bearer', 'N_A']),
    access_token: z.string().optional(),
    credential: z.record(z.string(), z.string()).optional(),
    expires_in: z.number().int(),
  })
  .meta({ id: 'CallCredential' });

export const chainReport = z.looseObject({
  ok: z.boolean(),
  checked: z.number().int(),
  problems: z.array(z.looseObject({ seq: z.number().int(), kind: z.string(), detail: z.string() })),
  head: z.string().nullable(),
  head_seq: z.number().int().nullable(),
});

const decision = z.looseObject({ decision: z.boolean(), context: z.record(z.string(), z.unknown()).optional() }).meta({ id: 'AuthzenDecision' });
export const authzenDecision = decision;
export const authzenDecisions = z.looseObject({ evaluations: z.array(decision) });

export const health = z.looseObject({ status: z.enum(['ok', 'unavailable']), reason: z.string().optional() });
export const jwks = z.looseObject({ keys: z.array(z.record(z.string(), z.unknown())) });
export const metadata = z.record(z.string(), z.unknown());
export const jsonRpc = z.record(z.string(), z.unknown()).meta({ description: 'a JSON-RPC 2.0 message (MCP Streamable HTTP)' });
