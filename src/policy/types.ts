import type * as Cedar from '@cedar-policy/cedar-wasm';
import type { ActionClass } from '../model/action-class.ts';

/**
 * The part of cedar-wasm the engine uses. The caller passes the module in, loaded the runtime's way:
 * `@cedar-policy/cedar-wasm/nodejs` on Node, the initialised `web` build on Workers.
 */
export type CedarModule = Pick<
  typeof Cedar,
  | 'checkParseSchema'
  | 'policySetTextToParts'
  | 'policyToJson'
  | 'validate'
  | 'preparsePolicySet'
  | 'statefulIsAuthorized'
  | 'isAuthorizedPartial'
>;

export type RiskLevel = 'low' | 'medium' | 'high';

export interface PolicyRequest {
  agent: { id: string; owner: string; trust_domain: string; risk: RiskLevel };
  principal: { id: string; risk: RiskLevel } | null;
  action: ActionClass;
  resource: { id: string; provider: string; classification: string };
  context: { task_id: string; intent: string; delegation_depth: number; requested_ttl: number; now: number };
}

export interface PolicyDecision {
  decision: 'allow' | 'deny';
  /** the deciding policies' @id (or generated `<file>#<index>`), for the audit log */
  policyIds: string[];
  /** from @approval on the deciding permits; several distinct values are sorted and joined with "," */
  approval: string | null;
  /** seconds: the minimum @max_ttl of the deciding permits */
  maxTtl: number | null;
  /** a deciding permit carries @unregistered("allow"): the allow holds for an agent with no registration */
  allowsUnregistered: boolean;
  /** evaluation errors as `<policy id>: <message>`; any error makes the decision deny */
  errors: string[];
}

/** One policy file; `name` is the file name, used in ids and messages. */
export interface PolicySource {
  name: string;
  text: string;
}

/** What `tollgate policy explain` prints for one policy. */
export interface PolicyVerdict {
  id: string;
  file: string;
  effect: 'permit' | 'forbid';
  /** its scope and conditions hold for the request */
  satisfied: boolean;
  /** evaluating it raised an error (the message is in the decision's errors) */
  errored: boolean;
  /** it is among the decision's policyIds */
  deciding: boolean;
  approval: string | null;
  maxTtl: number | null;
}

export interface PolicyExplanation {
  decision: PolicyDecision;
  policies: PolicyVerdict[];
}

export interface PolicyEngine {
  /** Decides one request. Throws PolicyError (ERR_POLICY_EVAL) only when Cedar cannot answer at all. */
  decide(req: PolicyRequest): PolicyDecision;
  /** The decision plus, for every policy, whether it held or errored. Slower; not for the hot path. */
  explain(req: PolicyRequest): PolicyExplanation;
  /** Replaces this engine's preparsed set with an empty one (deny all); later decide() calls throw. */
  dispose(): void;
  /** ids of every loaded policy, in load order */
  readonly policyIds: string[];
  /**
   * False only when no loaded policy can read this `context` attribute, so decisions do not
   * depend on it (a decision cache may leave it out of its key). Absent: assume every one is read.
   */
  readsContext?(attribute: string): boolean;
}
