import { OAuthError } from '../http/oauth-error.ts';
import type { Grant } from '../grants/grant.ts';
import type { PolicyDecision } from '../policy/types.ts';

/**
 * A gateway call whose action policy now wants a human to approve, under a grant that was not
 * approved for it. Until the approvals API exists this answers `authorization_pending` without
 * an `approval_id` (there is nothing to wait on yet); the caller audits it as
 * `credential.pending`. The approvals work replaces this function: create (or find, by
 * `approvalId`) an approval for this call and answer with its id.
 */
export function callNeedsApproval(decision: PolicyDecision, grant: Grant, _approvalId: string | null): OAuthError | null {
  if (decision.approval === null || grant.approval !== null) return null;
  return new OAuthError('authorization_pending', `this call needs a human approval (${decision.approval}); none can be requested here yet`);
}
