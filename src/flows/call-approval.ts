import { openApproval } from '../approvals/open-approval.ts';
import { approvedFor } from '../approvals/redeem-approval.ts';
import { callRequestHash } from '../approvals/request-hash.ts';
import { draft } from '../audit/event.ts';
import type { Deps } from '../deps.ts';
import type { Grant } from '../model/grant.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import type { PolicyDecision } from '../policy/types.ts';
import type { CredentialRequest } from './credential-request.ts';

/**
 * A gateway call whose action policy now wants a human for, under a grant no human approved.
 * Without an `approval_id` this opens a request bound to this exact call (grant, action, tool,
 * arguments digest) and answers `authorization_pending` with its id; the gateway retries the
 * same call with that id once a human approved, and the approval is used up by that one call.
 */
export async function requireCallApproval(deps: Deps, decision: PolicyDecision, grant: Grant, call: CredentialRequest, requestId: string): Promise<void> {
  if (decision.approval === null || grant.approval !== null) return;
  const requestHash = await callRequestHash({ grant_id: grant.id, action: call.action, tool: call.tool, arguments_digest: call.argumentsDigest });
  if (call.approvalId === null) {
    const opened = await openApproval(deps, {
      kind: 'call',
      grant,
      obligation: decision.approval,
      requestHash,
      actions: [call.action],
      tool: call.tool,
      argumentsDigest: call.argumentsDigest,
      notAfter: grant.expires_at,
      requestId,
      event: { policy_ids: decision.policyIds },
    });
    throw new OAuthError('authorization_pending', `this call needs a human approval (${decision.approval}); retry it with approval_id`, { approval_id: opened.id });
  }
  const approved = await approvedFor(deps, call.approvalId, 'call', requestHash, grant.agent, requestId);
  const now = deps.now();
  const used = await deps.store.updateApproval(
    approved.id,
    approved.version,
    { status: 'used', used_at: now },
    draft('approval.used', now, {
      request_id: requestId,
      agent: grant.agent,
      principal: grant.principal,
      task_id: grant.task_id,
      grant_id: grant.id,
      resource: grant.resource,
      actions: [call.action],
      decision: 'allow',
      detail: { approval_id: approved.id, tool: call.tool, arguments_digest: call.argumentsDigest },
    }),
    null,
  );
  if (!used) throw new OAuthError('invalid_grant', 'the approval has already been used');
}
