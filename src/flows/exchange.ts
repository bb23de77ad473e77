import type { Deps } from '../deps.ts';
import { openApproval } from '../approvals/open-approval.ts';
import { approvedFor } from '../approvals/redeem-approval.ts';
import { grantRequestHash } from '../approvals/request-hash.ts';
import { draft, type AuditDraft } from '../audit/event.ts';
import { GrantRefused } from '../store/store-errors.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { actDepth } from '../identity/delegation.ts';
import type { PolicyDecision } from '../policy/engine.ts';
import { decideAction } from '../policy/decide-action.ts';
import { currentRisk, type RiskView } from '../risk/current-risk.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import type { ActionClass } from '../model/action-class.ts';
import { JWT_BEARER_GRANT, type ExchangeRequest } from '../grants/exchange-request.ts';
import { parseExchangeRequest } from './parse-exchange-request.ts';
import { mcpTargets } from '../config/mcp-targets.ts';
import { newGrantId, type Grant } from '../model/grant.ts';
import { issueGrant, type ExchangeResponse } from '../grants/issue-grant.ts';
import { formatScope, parseRequestedScope } from '../grants/requested-scope.ts';
import { checkDepth, resolveCaller, type Caller } from '../grants/resolve-caller.ts';
import { UNREGISTERED_OWNER } from '../grants/agent-registry.ts';
import { noteEmail } from '../signals/principal-email.ts';
import { frozenBy, frozenError } from '../grants/freeze.ts';

/**
 * RFC 8693 token exchange: verify who is asking and for whom, decide by policy per action,
 * cap the lifetime, then record the grant before any credential exists.
 */
export async function exchange(deps: Deps, params: ReadonlyMap<string, string>, requestId: string): Promise<ExchangeResponse> {
  const limits = deps.config.server.limits;
  const req = parseExchangeRequest(params, limits);
  const caller = await resolveCaller(deps, req.subjectToken, req.actorToken, { assertion: req.grantType === JWT_BEARER_GRANT });
  checkDepth(caller.act, limits.max_delegation_depth);
  deps.quotas.charge('token', { agent: caller.agentId, principal: caller.principal }, deps.now());
  // RFC 8707: a `resource` naming an MCP server's canonical URI stands for that server's catalog
  // resource, and the grant token's audience is exactly that URI (nothing broader).
  const mcp = req.resource !== undefined ? mcpTargets(deps.config).get(req.resource) : undefined;
  const requested = parseRequestedScope(req.scope, mcp ? mcp.resource : req.resource, deps.resources, limits.max_scopes);
  const resource = requested.resource;
  const tokenResource = mcp ? { ...resource, audience: mcp.uri } : resource;

  if (caller.parent) narrowOnly(caller.parent, resource.id, requested.actions, req.taskId);

  const provider = deps.providers.get(resource.provider);
  if (!provider) throw new OAuthError('temporarily_unavailable', 'provider not available');
  const useUpstream = req.requestedTokenType !== TOKEN_TYPE.jwt;
  if (useUpstream && mcp) throw new OAuthError('invalid_request', "an MCP server's grant is a Tollgate token: its gateway injects the upstream credential");
  if (useUpstream && !provider.upstreamTokenTypes.includes(req.requestedTokenType))
    throw new OAuthError('invalid_request', 'requested_token_type is not available for this resource');
  if (useUpstream && provider.needsSubjectToken && !caller.humanToken)
    throw new OAuthError('invalid_request', "this resource's credential is the human's own: exchange the human's token (subject) with the agent as actor");

  const agent = deps.agents.lookup(caller.agentId);
  const now = deps.now();
  const base = {
    request_id: requestId,
    agent: caller.agentId,
    principal: caller.principal,
    act: caller.act,
    task_id: req.taskId,
    resource: resource.id,
    scope: formatScope(resource.id, requested.actions),
    actions: requested.actions,
    // Why the agent asked is part of every record of the request, refusals included.
    detail: req.intent ? { intent: req.intent } : null,
  };
  const frozen = frozenBy(await deps.store.activeFreezes(), { agent: caller.agentId, owner: agent?.owner ?? UNREGISTERED_OWNER, resource: resource.id, provider: resource.provider });
  if (frozen) {
    await deps.store.appendAudit(draft('exchange.denied', now, { ...base, decision: 'deny', reason: 'frozen', detail: { ...base.detail, freeze_id: frozen.id } }));
    throw frozenError(frozen);
  }
  if (await deps.store.isBlocked(caller.agentId, caller.principal)) {
    await deps.store.appendAudit(draft('exchange.denied', now, { ...base, decision: 'deny', reason: 'blocked' }));
    throw new OAuthError('access_denied', 'agent or principal is blocked by a revocation');
  }

  const risk = await currentRisk(deps, caller.agentId, agent?.risk ?? 'low', caller.principal);
  const revokedSession = sessionRevoked(caller, risk);
  if (revokedSession) {
    await deps.store.appendAudit(draft('exchange.denied', now, { ...base, decision: 'deny', reason: `${revokedSession} session revoked` }));
    throw new OAuthError('invalid_grant', `the ${revokedSession}'s sessions were revoked after this token was issued: get a new one`);
  }
  const decisions = decideEach(deps, caller, agent?.owner ?? UNREGISTERED_OWNER, risk, resource, requested.actions, req, now);
  // An agent with no registration gets only what a permit marked @unregistered("allow") allows.
  const allowed = requested.actions.filter((a) => decisions.get(a)!.decision === 'allow' && (agent !== null || decisions.get(a)!.allowsUnregistered));
  if (!agent && allowed.length === 0) {
    await deps.store.appendAudit(draft('exchange.rejected', now, { ...base, decision: 'deny', reason: 'unregistered agent' }));
    throw new OAuthError('unauthorized_client', 'agent is not registered');
  }
  const policyIds = [...new Set([...decisions.values()].flatMap((d) => d.policyIds))];
  if (allowed.length === 0) {
    const errors = [...decisions.values()].flatMap((d) => d.errors);
    await deps.store.appendAudit(
      draft('exchange.denied', now, { ...base, decision: 'deny', policy_ids: policyIds, reason: errors.length ? 'policy evaluation error' : 'policy' }),
    );
    throw new OAuthError('access_denied', 'denied by policy');
  }

  const granted = allowed.map((a) => decisions.get(a)!);
  const approval = [...new Set(granted.map((d) => d.approval).filter((x): x is string => x !== null))].sort().join(',') || null;
  const ttlSeconds = Math.min(
    req.requestedTtl ?? limits.default_ttl,
    limits.max_ttl,
    agent?.max_ttl ?? Infinity,
    ...granted.map((d) => d.maxTtl ?? Infinity),
  );
  const expiresAt = Math.min(now + ttlSeconds * 1000, caller.notAfter);
  if (expiresAt - now < 1000) throw new OAuthError('invalid_request', 'the input tokens expire too soon to grant anything');

  const grant: Grant = {
    id: newGrantId(),
    status: approval ? 'pending_approval' : 'issuing',
    agent: caller.agentId,
    owner: agent?.owner ?? UNREGISTERED_OWNER,
    principal: caller.principal,
    act: caller.act,
    task_id: req.taskId,
    resource: resource.id,
    provider: resource.provider,
    actions: allowed,
    scope: formatScope(resource.id, allowed),
    intent: req.intent || null,
    policy_ids: policyIds,
    approval,
    token_type: req.requestedTokenType,
    parent_grant_id: caller.parent?.id ?? null,
    created_at: now,
    expires_at: approval ? Math.min(now + deps.config.approvals.ttl * 1000, caller.notAfter) : expiresAt,
    issued_at: null,
    revoked_at: null,
    status_reason: null,
    lease: null,
    credential_fingerprint: null,
    credential_expires_at: null,
  };
  const event = { ...base, grant_id: grant.id, scope: grant.scope, actions: allowed, policy_ids: policyIds };
  if (caller.principal && caller.principalEmail) await noteEmail(deps, caller.principal!, caller.principalEmail!);

  if (approval) {
    const requestHash = await grantRequestHash({
      agent: grant.agent,
      principal: grant.principal,
      act: grant.act,
      task_id: grant.task_id,
      resource: grant.resource,
      actions: allowed,
      token_type: grant.token_type,
      intent: grant.intent,
    });
    if (!req.approvalId) {
      const opened = await createOrRefuse(deps, base, () => openApproval(deps, {
        kind: 'grant',
        grant,
        obligation: approval,
        requestHash,
        actions: allowed,
        tool: null,
        argumentsDigest: null,
        notAfter: caller.notAfter,
        requestId,
        event: { ...event, detail: { intent: grant.intent, requested_ttl: ttlSeconds } },
      }));
      throw new OAuthError('authorization_pending', 'a human must approve this grant; retry with approval_id', { approval_id: opened.id });
    }
    // The retry: the same request, now approved. Using the approval and moving its grant on are one step.
    const approved = await approvedFor(deps, req.approvalId, 'grant', requestHash, caller.agentId, requestId);
    const used = await deps.store.updateApproval(
      approved.id,
      approved.version,
      { status: 'used', used_at: now },
      draft('approval.used', now, { ...event, grant_id: approved.grant_id, decision: 'allow', detail: { approval_id: approved.id } }),
      {
        from: ['pending_approval'],
        to: 'issuing',
        patch: { expires_at: expiresAt },
        event: draft('grant.issuing', now, { ...event, grant_id: approved.grant_id, decision: 'allow', detail: { approval_id: approved.id, requested_ttl: req.requestedTtl } }),
      },
    );
    if (!used?.grant) throw new OAuthError('invalid_grant', 'the approval has already been used or its grant is no longer waiting');
    return issueGrant(deps, used.grant, tokenResource, useUpstream ? provider : deps.grantTokens, requestId, caller.humanToken);
  }
  // Stamped just before the insert. A mass revocation recorded after this row sweeps it whatever
  // the clocks say (the store raises its cutoff above the grants it can see: revocation-cutoff.ts);
  // one recorded before it blocks it or is not about it.
  grant.created_at = deps.now();
  await createOrRefuse(deps, base, () =>
    deps.store.createGrant(grant, draft('grant.issuing', now, { ...event, decision: 'allow', detail: { intent: grant.intent, requested_ttl: req.requestedTtl } })),
  );
  return issueGrant(deps, grant, tokenResource, useUpstream ? provider : deps.grantTokens, requestId, caller.humanToken);
}

function decideEach(
  deps: Deps,
  caller: Caller,
  owner: string,
  risk: RiskView,
  resource: { id: string; provider: string; classification: string },
  actions: ActionClass[],
  req: ExchangeRequest,
  now: number,
): Map<ActionClass, PolicyDecision> {
  const who = { agentId: caller.agentId, owner, trustDomain: caller.trustDomain, principal: caller.principal };
  const ctx = {
    task_id: req.taskId,
    intent: req.intent,
    delegation_depth: actDepth(caller.act),
    requested_ttl: req.requestedTtl ?? deps.config.server.limits.default_ttl,
    now,
  };
  return new Map(actions.map((action) => [action, decideAction(deps.policy, who, risk, resource, action, ctx)]));
}

/** A Tollgate token presented again can only narrow: same task, same resource, a subset of its actions. */
function narrowOnly(parent: Grant, resourceId: string, actions: ActionClass[], taskId: string): void {
  if (parent.task_id !== taskId) throw new OAuthError('invalid_request', 'task_id must match the subject token\'s task');
  if (parent.resource !== resourceId) throw new OAuthError('invalid_scope', 'scope exceeds the subject token\'s scope');
  if (!actions.every((a) => parent.actions.includes(a))) throw new OAuthError('invalid_scope', 'scope exceeds the subject token\'s scope');
}

/** The store refused the grant (blocked, or its task closed while this request was decided): deny and say why. */
async function createOrRefuse<T>(deps: Deps, base: Partial<AuditDraft>, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (e) {
    if (!(e instanceof GrantRefused)) throw e;
    await deps.store.appendAudit(draft('exchange.denied', deps.now(), { ...base, decision: 'deny', reason: e.reason }));
    throw new OAuthError('access_denied', e.reason === 'blocked' ? 'agent or principal is blocked by a revocation' : 'the task is complete; start a new task');
  }
}

/**
 * Whose identity token predates a revocation of that subject's sessions (a CAEP or RISC signal).
 * `iat` has whole seconds, so the cutoff does too: a token issued in the very second of the
 * signal passes (one issued after it would be refused for up to a second otherwise).
 */
function sessionRevoked(caller: Caller, risk: RiskView): 'agent' | 'human' | null {
  const nb = risk.notBefore;
  if (!nb || !caller.issuedAt) return null;
  const before = (iat: number | null, cutoff: number | null) => iat !== null && cutoff !== null && Math.floor(iat / 1000) < Math.floor(cutoff / 1000);
  if (before(caller.issuedAt.agent, nb.agent)) return 'agent';
  if (before(caller.issuedAt.principal, nb.principal)) return 'human';
  return null;
}
