import type { ActionClass } from '../model/action-class.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import type { RiskView } from '../risk/current-risk.ts';
import type { PolicyDecision, PolicyEngine } from './types.ts';

/** Who asks, as policy sees them. */
export interface PolicySubject {
  agentId: string;
  owner: string;
  trustDomain: string;
  principal: string | null;
}

export interface PolicyContext {
  task_id: string;
  intent: string;
  delegation_depth: number;
  requested_ttl: number;
  /** epoch ms */
  now: number;
}

/**
 * One policy decision for one action, built the same way for an exchange and for a gateway's
 * per-call check. Fails closed: an engine that cannot answer is a 503 and nothing is issued.
 */
export function decideAction(
  policy: PolicyEngine,
  who: PolicySubject,
  risk: RiskView,
  resource: { id: string; provider: string; classification: string },
  action: ActionClass,
  ctx: PolicyContext,
): PolicyDecision {
  try {
    return policy.decide({
      agent: { id: who.agentId, owner: who.owner, trust_domain: who.trustDomain, risk: risk.agent },
      principal: who.principal ? { id: who.principal, risk: risk.principal ?? 'low' } : null,
      action,
      resource: { id: resource.id, provider: resource.provider, classification: resource.classification },
      context: { ...ctx, now: Math.floor(ctx.now / 1000) },
    });
  } catch {
    throw new OAuthError('temporarily_unavailable', 'policy engine unavailable');
  }
}
