import type { Context, EntityJson, EntityUidJson } from '@cedar-policy/cedar-wasm';
import { isActionClass } from '../model/action-class.ts';
import type { PolicyRequest } from './types.ts';

// Maps a PolicyRequest onto Cedar's request: Agent principal, Action class, Resource, and a context
// that refers to the human (if any) as a Principal entity.
export interface CedarRequest {
  principal: EntityUidJson;
  action: EntityUidJson;
  resource: EntityUidJson;
  context: Context;
  entities: EntityJson[];
}

const RISK = new Set(['low', 'medium', 'high']);

export function toCedarRequest(req: PolicyRequest): CedarRequest {
  const agent = { type: 'Tollgate::Agent', id: req.agent.id };
  const resource = { type: 'Tollgate::Resource', id: req.resource.id };
  const c = req.context;
  const context: Context = {
    task_id: c.task_id,
    intent: c.intent,
    delegation_depth: c.delegation_depth,
    requested_ttl: c.requested_ttl,
    delegated: req.principal !== null,
    now: c.now,
  };
  const entities: EntityJson[] = [
    {
      uid: agent,
      attrs: { owner: req.agent.owner, trust_domain: req.agent.trust_domain, risk: req.agent.risk },
      parents: [],
    },
    {
      uid: resource,
      attrs: { provider: req.resource.provider, classification: req.resource.classification },
      parents: [],
    },
  ];
  if (req.principal !== null) {
    const human = { type: 'Tollgate::Principal', id: req.principal.id };
    context.principal = { __entity: human };
    entities.push({ uid: human, attrs: { risk: req.principal.risk }, parents: [] });
  }
  return { principal: agent, action: { type: 'Tollgate::Action', id: req.action }, resource, context, entities };
}

/**
 * Requests are not validated by Cedar on the hot path, so the values policies compare against are
 * checked here: a misspelt risk level must not slip past `risk == "high"`. Empty means well-formed.
 */
export function requestProblems(req: PolicyRequest): string[] {
  const p: string[] = [];
  if (!isActionClass(req.action)) p.push(`unknown action ${JSON.stringify(req.action)}`);
  if (!RISK.has(req.agent.risk)) p.push(`agent risk ${JSON.stringify(req.agent.risk)} is not low, medium or high`);
  if (req.principal !== null && !RISK.has(req.principal.risk)) {
    p.push(`principal risk ${JSON.stringify(req.principal.risk)} is not low, medium or high`);
  }
  const c = req.context;
  for (const k of ['delegation_depth', 'requested_ttl', 'now'] as const) {
    if (!Number.isSafeInteger(c[k])) p.push(`context.${k} must be an integer`);
  }
  return p;
}
