import type { Deps } from '../deps.ts';
import { draft, type AuditDraft, type AuditEventType } from '../audit/event.ts';
import type { Grant } from '../model/grant.ts';
import { frozenBy, frozenError } from '../grants/freeze.ts';
import { liveGrantOf } from '../grants/live-grant.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { QuotaExceeded } from '../quotas/quota-exceeded.ts';
import { actDepth } from '../identity/delegation.ts';
import { trustDomainOf } from '../identity/trust-domain.ts';
import { decideAction } from '../policy/decide-action.ts';
import type { PolicyDecision } from '../policy/types.ts';
import type { ResourceConfig } from '../config/schema.ts';
import type { Provider } from '../../providers/provider.ts';
import { riskView } from '../risk/current-risk.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import type { CallAudit } from '../gateway/call-audit.ts';
import { requireCallApproval } from './call-approval.ts';
import type { CredentialCache } from '../gateway/credential-cache.ts';
import type { CredentialRequest } from './credential-request.ts';
import type { GrantTokenCheck } from '../gateway/grant-token-check.ts';
import { issueCallCredential } from '../gateway/issue-call-credential.ts';
import { UNREGISTERED_OWNER } from '../grants/agent-registry.ts';
import { httpErrorOf } from '../store/http-error.ts';

/** POST /v1/credentials 200 body (the token endpoint's field names where they apply). */
export interface CredentialResponse {
  grant_id: string;
  task_id: string;
  action: string;
  scope: string;
  policy_ids: string[];
  issued_token_type: string;
  token_type: 'Bearer' | 'N_A';
  access_token?: string;
  credential?: Record<string, string>;
  expires_in: number;
}

export interface PerCallParts {
  checkToken: (token: string) => Promise<GrantTokenCheck>;
  credentials: CredentialCache;
  audit: CallAudit;
}

/** What one call is about, filled in as it is learnt, for its one audit event. */
interface CallRecord {
  gateway: string;
  requestId: string;
  call: CredentialRequest;
  grant: Grant | null;
  policyIds: string[];
}

/**
 * One gateway call: the grant token is checked in memory, the grant's liveness and blocks in the
 * store (every call: a revoked grant is refused on the very next one, cached credential or not),
 * policy decides this action at current risk, then the upstream credential is served from the
 * cache or minted. Every call, refused or served, is one audit event, durable before the answer.
 */
export async function perCall(deps: Deps, parts: PerCallParts, gateway: string, call: CredentialRequest, requestId: string): Promise<CredentialResponse> {
  return audited(deps, parts, { gateway, requestId, call, grant: null, policyIds: [] }, (rec) => serve(deps, parts, rec));
}

/**
 * The same decision for a gateway that enforces it with credentials of its own (an AuthZEN PEP):
 * every check, policy at current risk, the approval a call may need (opened, or used once), and
 * one audit event — but nothing is issued.
 */
export async function evaluateCall(deps: Deps, parts: PerCallParts, gateway: string, call: CredentialRequest, requestId: string): Promise<CallDecision> {
  return audited(deps, parts, { gateway, requestId, call, grant: null, policyIds: [] }, async (rec) => {
    const d = await checkCall(deps, parts, rec);
    await requireCallApproval(deps, d.decision, d.grant, call, rec.requestId);
    return { body: d, event: eventFor(deps, rec, 'credential.evaluated', 'allow', null, {}) };
  });
}

/** Runs one call and makes its one audit event durable before answering, refused or served. */
async function audited<T>(deps: Deps, parts: PerCallParts, rec: CallRecord, run: (rec: CallRecord) => Promise<{ body: T; event: AuditDraft }>): Promise<T> {
  let served: { body: T; event: AuditDraft };
  try {
    served = await run(rec);
  } catch (thrown) {
    // A quota refusal is back-pressure, not a decision: counted in /metrics, never one audit row per refused call.
    const e = httpErrorOf(thrown);
    if (!e || e instanceof QuotaExceeded) throw thrown;
    const refusal = eventFor(deps, rec, refusalType(e), e.status < 500 ? refusalDecision(e) : null, reasonOf(e), {});
    if (e.status >= 500) {
      await parts.audit(refusal).catch(() => undefined); // the store may be what failed
      throw e;
    }
    await parts.audit(refusal);
    throw e;
  }
  await parts.audit(served.event);
  return served.body;
}

/** What a call's checks established: the live grant and the policy decision for this call. */
export interface CallDecision {
  grant: Grant;
  decision: PolicyDecision;
  resource: ResourceConfig;
  provider: Provider;
}

async function serve(deps: Deps, parts: PerCallParts, rec: CallRecord): Promise<{ body: CredentialResponse; event: AuditDraft }> {
  const { call } = rec;
  const { grant, decision, resource, provider } = await checkCall(deps, parts, rec);
  await requireCallApproval(deps, decision, grant, call, rec.requestId);
  const now = deps.now();

  const { credential, fresh } = await parts.credentials.get(grant.id, call.action, now, () => issueCallCredential(deps, grant, resource, provider, call.action, rec.requestId));
  const { issued } = credential;
  const body: CredentialResponse = {
    grant_id: grant.id,
    task_id: grant.task_id,
    action: call.action,
    scope: grant.scope,
    policy_ids: decision.policyIds,
    issued_token_type: issued.issuedTokenType,
    token_type: issued.issuedTokenType === TOKEN_TYPE.jwt || issued.issuedTokenType === TOKEN_TYPE.accessToken ? 'Bearer' : 'N_A',
    expires_in: Math.max(0, Math.floor((credential.expiresAt - now) / 1000)),
  };
  if (issued.credential) body.credential = issued.credential;
  else body.access_token = issued.token;
  const event = eventFor(deps, rec, 'credential.issued', 'allow', null, { cached: !fresh, fingerprint: credential.fingerprint, expires_at: credential.expiresAt });
  return { body, event };
}

/**
 * The per-call decision without its effects: no audit event, no approval opened, nothing issued.
 * For a gateway that asks what a caller may do before it offers anything (MCP tools/list, AuthZEN
 * evaluations); a refusal throws the same OAuthError the call itself would answer.
 */
export async function decideCall(deps: Deps, parts: Pick<PerCallParts, 'checkToken' | 'credentials'>, call: CredentialRequest): Promise<CallDecision> {
  return checkCall(deps, parts, { gateway: '', requestId: '', call, grant: null, policyIds: [] });
}

/**
 * The grant token is checked in memory, the grant's liveness and blocks in the store, then policy
 * decides this action at current risk (with the call's classification when the gateway names one).
 */
async function checkCall(deps: Deps, parts: Pick<PerCallParts, 'checkToken' | 'credentials'>, rec: CallRecord): Promise<CallDecision> {
  const { call } = rec;
  const check = await parts.checkToken(call.token);
  if (check.refusal) throw new OAuthError('invalid_grant', `grant token refused: ${check.refusal}`);
  const now = deps.now();
  // Charged to the agent the grant is for (and the human it acts for), before any store read.
  const { client_id: agentId, sub } = check.claims;
  deps.quotas.charge('call', { agent: agentId, principal: sub !== agentId ? sub : null }, now);
  // The grant, the revocations in progress, blocks, freezes and risk: one read of the store.
  const view = await deps.store.callView(check.claims.grant_id);
  const grant = await liveGrantOf(deps.store, view, now);
  if (!grant || !view) {
    parts.credentials.forget(check.claims.grant_id, ['read', 'write', 'delete', 'admin']);
    rec.grant = view?.grant ?? null;
    throw new OAuthError('invalid_grant', `the grant is not honoured: ${whyDead(rec.grant, now)}`);
  }
  rec.grant = grant;
  rec.policyIds = grant.policy_ids;
  // Only a grant handed out as a Tollgate token is redeemed per call; the holder of an upstream credential has no token here.
  if (grant.token_type !== TOKEN_TYPE.jwt) throw new OAuthError('invalid_grant', 'this grant was handed out as its upstream credential');
  if (call.resource !== null && call.resource !== grant.resource) throw new OAuthError('insufficient_scope', 'the grant is for another resource');
  if (!grant.actions.includes(call.action)) throw new OAuthError('insufficient_scope', `the grant does not allow ${call.action}`);
  const agent = deps.agents.lookup(grant.agent);
  if (view.blocked) throw new OAuthError('access_denied', 'agent or principal is blocked by a revocation');
  const frozen = frozenBy(view.freezes, grant);
  if (frozen) throw frozenError(frozen);

  const resource = deps.resources.get(grant.resource);
  // Granted without a registration (a permit marked @unregistered("allow")): the same must hold now.
  if (!agent && grant.owner !== UNREGISTERED_OWNER) throw new OAuthError('access_denied', 'agent is no longer registered');
  if (!resource) throw new OAuthError('access_denied', 'resource is no longer in the catalog');
  const provider = deps.providers.get(resource.provider);
  if (!provider) throw new OAuthError('temporarily_unavailable', 'provider not available');
  if (provider.needsSubjectToken) throw new OAuthError('invalid_grant', "this resource's credential is the human's own: it cannot be issued per call");

  const risk = riskView(view.risk, agent?.risk ?? 'low', grant.principal);
  const decision = decideAction(
    deps.policy,
    { agentId: grant.agent, owner: grant.owner, trustDomain: trustDomainOf(grant.agent), principal: grant.principal },
    risk,
    call.classification === null ? resource : { ...resource, classification: call.classification },
    call.action,
    {
      task_id: grant.task_id,
      intent: grant.intent ?? '',
      delegation_depth: actDepth(grant.act),
      // what this call's credential may live: the rest of the grant
      requested_ttl: Math.max(0, Math.floor((grant.expires_at - now) / 1000)),
      now,
    },
  );
  rec.policyIds = decision.policyIds;
  if (decision.decision !== 'allow') throw new OAuthError('access_denied', decision.errors.length ? 'denied: policy evaluation error' : 'denied by policy');
  if (!agent && !decision.allowsUnregistered) throw new OAuthError('access_denied', 'no policy allows this unregistered agent any more');
  return { grant, decision, resource, provider };
}

/** A call whose body was refused before it could be read is still one audit event. */
export async function auditRejected(deps: Deps, audit: CallAudit, gateway: string, requestId: string, e: OAuthError): Promise<void> {
  await audit(draft('credential.rejected', deps.now(), { request_id: requestId, decision: 'deny', reason: reasonOf(e), detail: { gateway } }));
}

function eventFor(deps: Deps, rec: CallRecord, type: AuditEventType, decision: AuditDraft['decision'], reason: string | null, extra: Record<string, unknown>): AuditDraft {
  const g = rec.grant;
  const { call } = rec;
  return draft(type, deps.now(), {
    request_id: rec.requestId,
    grant_id: g?.id ?? null,
    agent: g?.agent ?? null,
    principal: g?.principal ?? null,
    act: g?.act ?? null,
    task_id: g?.task_id ?? null,
    resource: g?.resource ?? call.resource,
    scope: g?.scope ?? null,
    actions: [call.action],
    decision,
    policy_ids: rec.policyIds,
    reason,
    detail: {
      gateway: rec.gateway,
      ...(call.tool !== null ? { tool: call.tool } : {}),
      ...(call.argumentsDigest !== null ? { arguments_digest: call.argumentsDigest } : {}),
      ...(call.approvalId !== null ? { approval_id: call.approvalId } : {}),
      ...extra,
    },
  });
}

function whyDead(g: Grant | null, now: number): string {
  if (!g) return 'unknown grant';
  if (g.status !== 'active') return g.status;
  if (g.expires_at <= now) return 'expired';
  return 'revoked (a revocation in progress, or a grant it derives from)';
}

function refusalType(e: OAuthError): AuditEventType {
  if (e.code === 'authorization_pending') return 'credential.pending';
  if (e.code === 'invalid_request') return 'credential.rejected';
  return 'credential.denied';
}

function refusalDecision(e: OAuthError): AuditDraft['decision'] {
  return e.code === 'authorization_pending' ? 'approval_required' : 'deny';
}

function reasonOf(e: OAuthError): string {
  return `${e.code}: ${e.message}`.slice(0, 512);
}
