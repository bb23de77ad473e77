import type { AuthorizationAnswer, Response } from '@cedar-policy/cedar-wasm';
import { combineObligations } from './annotations.ts';
import { compilePolicies, type CompiledPolicy } from './compile.ts';
import { contextReads } from './context-reads.ts';
import { requestProblems, toCedarRequest } from './entities.ts';
import { PolicyError, PolicyLoadError } from './policy-error.ts';
import type {
  CedarModule,
  PolicyDecision,
  PolicyEngine,
  PolicyExplanation,
  PolicyRequest,
  PolicySource,
} from './types.ts';

export { checkPolicies } from './check-policies.ts';
export { PolicyError, PolicyLoadError } from './policy-error.ts';
export type * from './types.ts';

let loads = 0;

/**
 * Compiles and validates the policies, preparses them into cedar-wasm under a fresh set id, and
 * returns an engine that decides requests against them. Throws PolicyLoadError listing every problem.
 * `setId` is a label: a counter and a random suffix keep each load's preparsed set apart.
 */
export function loadPolicies(
  cedar: CedarModule,
  schemaText: string,
  sources: PolicySource[],
  setId = 'tollgate',
): PolicyEngine {
  const { policies, problems } = compilePolicies(cedar, schemaText, sources);
  if (problems.length > 0) throw new PolicyLoadError(problems);

  const byId = new Map<string, CompiledPolicy>(policies.map((p) => [p.id, p]));
  const staticPolicies = Object.fromEntries(policies.map((p) => [p.id, p.text]));
  const preparsedPolicySetId = `${setId}:${++loads}:${crypto.randomUUID()}`;
  const prepared = cedar.preparsePolicySet(preparsedPolicySetId, { staticPolicies });
  if (prepared.type === 'failure') throw new PolicyLoadError(prepared.errors.map((e) => `preparse: ${e.message}`));
  let disposed = false;

  function decide(req: PolicyRequest): PolicyDecision {
    if (disposed) throw new PolicyError('ERR_POLICY_DISPOSED', 'policy engine was disposed');
    const bad = requestProblems(req);
    if (bad.length > 0) return deny([], bad.map((m) => `request: ${m}`));
    // No schema and no request validation here: the policies were validated against the schema at load.
    const answer = cedar.statefulIsAuthorized({ ...toCedarRequest(req), preparsedPolicySetId, validateRequest: false });
    return toDecision(success(answer), byId);
  }

  function explain(req: PolicyRequest): PolicyExplanation {
    const decision = decide(req);
    if (decision.errors.some((e) => e.startsWith('request: '))) return { decision, policies: [] };
    const answer = cedar.isAuthorizedPartial({ ...toCedarRequest(req), policies: { staticPolicies } });
    if (answer.type === 'failure') throw evalError(answer.errors);
    const satisfied = new Set(answer.response.satisfied);
    const errored = new Set(answer.response.errored);
    const deciding = new Set(decision.policyIds);
    return {
      decision,
      policies: policies.map((p) => ({
        id: p.id,
        file: p.file,
        effect: p.effect,
        satisfied: satisfied.has(p.id),
        errored: errored.has(p.id),
        deciding: deciding.has(p.id),
        approval: p.approval,
        maxTtl: p.maxTtl,
      })),
    };
  }

  function dispose(): void {
    if (disposed) return;
    disposed = true;
    // cedar-wasm cannot drop a preparsed set; shrink it to an empty one, which denies everything.
    cedar.preparsePolicySet(preparsedPolicySetId, { staticPolicies: {} });
  }

  return { decide, explain, dispose, policyIds: policies.map((p) => p.id), readsContext: contextReads(policies.map((p) => p.text)) };
}

function success(answer: AuthorizationAnswer): Response {
  if (answer.type === 'failure') throw evalError(answer.errors);
  return answer.response;
}

function evalError(errors: { message: string }[]): PolicyError {
  return new PolicyError('ERR_POLICY_EVAL', `policy evaluation failed: ${errors.map((e) => e.message).join('; ')}`);
}

/**
 * Cedar skips a policy whose evaluation errors, so an erroring forbid would let a request through.
 * Fail closed instead: any error denies, naming the erroring policies next to any satisfied forbids.
 */
function toDecision(response: Response, byId: Map<string, CompiledPolicy>): PolicyDecision {
  const { reason, errors } = response.diagnostics;
  if (errors.length > 0) {
    const forbids = response.decision === 'deny' ? reason : [];
    const ids = [...new Set([...forbids, ...errors.map((e) => e.policyId)])];
    return deny(ids, errors.map((e) => `${e.policyId}: ${e.error.message}`));
  }
  if (response.decision === 'deny') return deny([...reason], []);
  const permits = reason.map((id) => byId.get(id)).filter((p) => p !== undefined);
  const { approval, maxTtl, unregistered } = combineObligations(permits);
  return { decision: 'allow', policyIds: [...reason], approval, maxTtl, allowsUnregistered: unregistered, errors: [] };
}

function deny(policyIds: string[], errors: string[]): PolicyDecision {
  return { decision: 'deny', policyIds, approval: null, maxTtl: null, allowsUnregistered: false, errors };
}
