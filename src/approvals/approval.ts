import type { ActionClass } from '../model/action-class.ts';
import { randomToken } from '../model/grant.ts';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'used';

/**
 * `grant`: an exchange waits for a human before its grant is issued.
 * `call`: a gateway's tool call needs a human although its grant is live (policy at call time asks for one).
 */
export type ApprovalKind = 'grant' | 'call';

/** One human's answer to one rule of an approval. */
export interface ApprovalDecision {
  /** the obligation this answer satisfies: `owner`, `principal` or `group:NAME` */
  rule: string;
  /** who answered: the approver's `iss#sub` */
  by: string;
  at: number;
  verdict: 'approve' | 'deny';
  reason: string | null;
}

/**
 * A request for a human decision, bound to one exact request by `request_hash`. It is approved
 * once every rule has an approving answer, denied by any denial, and used at most once.
 */
export interface Approval {
  id: string;
  kind: ApprovalKind;
  /** the grant waiting (`grant`), or the live grant the call uses (`call`) */
  grant_id: string;
  request_hash: string;
  agent: string;
  principal: string | null;
  owner: string;
  task_id: string;
  resource: string;
  actions: ActionClass[];
  intent: string | null;
  tool: string | null;
  arguments_digest: string | null;
  /** the obligations from policy, each needing one entitled approving answer */
  rules: string[];
  /** per rule, who may answer it: human ids (`iss#sub`), emails, or `group:NAME` */
  approvers: Record<string, string[]>;
  decisions: ApprovalDecision[];
  status: ApprovalStatus;
  created_at: number;
  /** epoch ms; a pending approval past it can no longer be answered or used */
  expires_at: number;
  decided_at: number | null;
  used_at: number | null;
  /** bumped on every change: updates are compare-and-set on it */
  version: number;
}

/** The audit fields every event about an approval carries: who asked, for which grant and task, on what. */
export function approvalAuditFields(a: Approval) {
  return { agent: a.agent, principal: a.principal, task_id: a.task_id, grant_id: a.grant_id, resource: a.resource, actions: a.actions };
}

export function newApprovalId(): string {
  return 'apr_' + randomToken(16);
}

export const APPROVAL_ID = /^apr_[A-Za-z0-9_-]{10,64}$/;
