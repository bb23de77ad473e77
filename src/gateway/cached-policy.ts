import type { PolicyDecision, PolicyEngine, PolicyRequest } from '../policy/types.ts';

const MAX_PER_SECOND = 4096;

/**
 * The policy engine with its decisions remembered for the current second. A Cedar decision is a
 * pure function of its request, and the request holds everything policy may read — the agent,
 * its owner and risk, the principal and theirs, the action, the resource, the context with the
 * time in whole seconds — so an equal request gets the same answer; a change in risk is a
 * different request and is decided afresh. Entries go when the second (and so `context.now`) changes.
 */
export function cachedPolicy(engine: PolicyEngine): PolicyEngine {
  let second = -1;
  let decisions = new Map<string, PolicyDecision>();
  return {
    decide(req: PolicyRequest): PolicyDecision {
      if (req.context.now !== second) {
        second = req.context.now;
        decisions = new Map();
      }
      const key = JSON.stringify(req);
      const hit = decisions.get(key);
      if (hit) return hit;
      const d = engine.decide(req);
      if (decisions.size < MAX_PER_SECOND) decisions.set(key, d);
      return d;
    },
    explain: (req) => engine.explain(req),
    dispose: () => engine.dispose(),
    get policyIds() {
      return engine.policyIds;
    },
  };
}
