import { draft } from '../audit/event.ts';
import type { Deps } from '../deps.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { approvalAuditFields, type Approval, type ApprovalKind } from './approval.ts';

/**
 * The approval `id` if this very request may use it now. Anything else is the error the caller
 * answers with: still waiting, denied, expired, used, or given for a different request (audited,
 * since it is either a client bug or someone replaying an approval).
 */
export async function approvedFor(deps: Deps, id: string, kind: ApprovalKind, requestHash: string, agent: string, requestId: string): Promise<Approval> {
  const a = await deps.store.getApproval(id);
  if (!a || a.kind !== kind || a.agent !== agent) throw new OAuthError('invalid_request', 'unknown approval_id');
  const now = deps.now();
  if (a.request_hash !== requestHash) {
    await deps.store.appendAudit(
      draft('approval.refused', now, {
        request_id: requestId,
        ...approvalAuditFields(a),
        decision: 'deny',
        reason: 'request differs from the approved one',
        detail: { approval_id: a.id },
      }),
    );
    throw new OAuthError('invalid_request', 'approval_id was given for a different request');
  }
  if (a.status === 'used') throw new OAuthError('invalid_grant', 'the approval has already been used');
  if (a.status === 'denied') throw new OAuthError('access_denied', 'the approval was denied');
  if (a.expires_at <= now) throw new OAuthError('expired_token', 'the approval has expired');
  if (a.status === 'pending') throw new OAuthError('authorization_pending', 'still waiting for approval', { approval_id: a.id });
  return a;
}
