import type { Deps } from '../deps.ts';
import { draft } from '../audit/event.ts';
import { mcpTargets } from '../config/mcp-targets.ts';
import { evaluateCall } from '../flows/per-call.ts';
import { perCallParts } from '../gateway/per-call-parts.ts';
import { UNREGISTERED_OWNER } from '../grants/agent-registry.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { trustDomainOf } from '../identity/trust-domain.ts';
import { decideAction } from '../policy/decide-action.ts';
import { currentRisk } from '../risk/current-risk.ts';
import type { Evaluation } from './request.ts';

/** An AuthZEN decision: `decision`, and in `context` why (never a secret) and what to do next. */
export interface AuthzenDecision {
  decision: boolean;
  context: Record<string, unknown>;
}

/**
 * One AuthZEN evaluation, decided as Tollgate decides a gateway call. With the agent's grant
 * token (subject.properties.token) it is exactly the per-call path of POST /v1/credentials —
 * grant alive, action in its scope, blocks, policy at current risk, the approval a call may
 * need — minus issuing a credential. Without one it is the policy decision for that agent (and
 * principal) at current risk. Either way one audit event records it. A decision that needs a
 * human is `false` with the approval to wait for (opened when there is a grant to attach it to).
 */
export async function evaluate(deps: Deps, gateway: string, e: Evaluation, requestId: string): Promise<AuthzenDecision> {
  const resourceId = mcpTargets(deps.config).get(e.resource.id)?.resource ?? e.resource.id;
  const ctx = e.context ?? {};
  try {
    const token = e.subject.properties?.token;
    if (token !== undefined) {
      // The PEP says who it thinks the subject is: a token of another agent is refused before anything is decided.
      const check = await perCallParts(deps).checkToken(token);
      if (check.claims && check.claims.client_id !== e.subject.id) return deny('invalid_grant', "the token is not the subject's");
      const d = await evaluateCall(deps, perCallParts(deps), gateway, {
        token,
        action: e.action.name,
        resource: resourceId,
        tool: ctx.tool ?? null,
        argumentsDigest: ctx.arguments_digest ?? null,
        approvalId: ctx.approval_id ?? null,
        classification: ctx.classification ?? null,
      }, requestId);
      return { decision: true, context: { grant_id: d.grant.id, policy_ids: d.decision.policyIds } };
    }
    return await policyOnly(deps, gateway, e, resourceId, requestId);
  } catch (err) {
    // 5xx and 429 (a quota) are answers about Tollgate, not decisions: the PEP sees them as HTTP.
    if (!(err instanceof OAuthError) || err.status >= 500 || err.status === 429) throw err;
    const approvalId = err.extra.approval_id;
    return {
      decision: false,
      context: {
        error: err.code,
        reason: err.message,
        ...(approvalId ? { approval_id: approvalId, approval_url: `${deps.config.server.issuer.replace(/\/+$/, '')}/v1/approvals/${approvalId}` } : {}),
      },
    };
  }
}

function deny(error: string, reason: string): AuthzenDecision {
  return { decision: false, context: { error, reason } };
}

async function policyOnly(deps: Deps, gateway: string, e: Evaluation, resourceId: string, requestId: string): Promise<AuthzenDecision> {
  const resource = deps.resources.get(resourceId);
  const ctx = e.context ?? {};
  const agentId = e.subject.id;
  const principal = e.subject.properties?.principal ?? null;
  const base = { request_id: requestId, agent: agentId, principal, task_id: ctx.task_id ?? null, resource: resourceId, actions: [e.action.name] };
  const detail = { gateway, ...(ctx.tool ? { tool: ctx.tool } : {}), ...(ctx.arguments_digest ? { arguments_digest: ctx.arguments_digest } : {}) };
  const record = async (allowed: boolean, reason: string | null, policyIds: string[]) =>
    deps.store.appendAudit(draft(allowed ? 'credential.evaluated' : 'credential.denied', deps.now(), { ...base, decision: allowed ? 'allow' : 'deny', reason, policy_ids: policyIds, detail }));

  if (!resource) {
    await record(false, 'invalid_target: unknown resource', []);
    return deny('invalid_target', 'unknown resource');
  }
  const agent = deps.agents.lookup(agentId);
  if (await deps.store.isBlocked(agentId, principal)) {
    await record(false, 'blocked', []);
    return deny('access_denied', 'agent or principal is blocked by a revocation');
  }
  const risk = await currentRisk(deps, agentId, agent?.risk ?? 'low', principal);
  const decision = decideAction(
    deps.policy,
    { agentId, owner: agent?.owner ?? UNREGISTERED_OWNER, trustDomain: trustDomainOf(agentId), principal },
    risk,
    ctx.classification ? { ...resource, classification: ctx.classification } : resource,
    e.action.name,
    { task_id: ctx.task_id ?? '', intent: '', delegation_depth: principal ? 1 : 0, requested_ttl: deps.config.server.limits.default_ttl, now: deps.now() },
  );
  const allowed = decision.decision === 'allow' && (agent !== null || decision.allowsUnregistered);
  if (!allowed) {
    await record(false, agent === null && decision.decision === 'allow' ? 'unregistered agent' : 'policy', decision.policyIds);
    return { decision: false, context: { error: 'access_denied', reason: 'denied by policy', policy_ids: decision.policyIds } };
  }
  if (decision.approval) {
    await record(false, `approval required (${decision.approval})`, decision.policyIds);
    return { decision: false, context: { error: 'authorization_pending', reason: `needs a human approval (${decision.approval}); present the agent's grant token to open one`, policy_ids: decision.policyIds } };
  }
  await record(true, null, decision.policyIds);
  return { decision: true, context: { policy_ids: decision.policyIds } };
}
