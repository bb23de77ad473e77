import { OAuthError } from '../lib/oauth-error.ts';

/** What a freeze stops: every given field must match (AND); none given stops everything. */
export interface FreezeScope {
  agent?: string;
  owner?: string;
  resource?: string;
  provider?: string;
}

/** An operator's emergency stop: no new credential for what its scope names, until lifted. */
export interface Freeze {
  id: string;
  scope: FreezeScope;
  reason: string;
  frozen_by: string;
  created_at: number;
  lifted_at: number | null;
  lifted_by: string | null;
}

export const FREEZE_FIELDS = ['agent', 'owner', 'resource', 'provider'] as const satisfies readonly (keyof FreezeScope)[];

/** The first active freeze that stops a credential for this grant (or request), or null. */
export function frozenBy(freezes: readonly Freeze[], target: Required<Record<keyof FreezeScope, string>>): Freeze | null {
  return freezes.find((f) => f.lifted_at === null && FREEZE_FIELDS.every((k) => f.scope[k] === undefined || f.scope[k] === target[k])) ?? null;
}

/**
 * The answer to a request a freeze stops: an operator's decision, not an outage, so 403 (a load
 * balancer must not take the node out) with RFC 6749's `temporarily_unavailable` and words that say so.
 */
export function frozenError(f: Freeze): OAuthError {
  const what = FREEZE_FIELDS.filter((k) => f.scope[k] !== undefined).map((k) => `${k} ${f.scope[k]}`).join(', ');
  return new OAuthError('temporarily_unavailable', `Tollgate is frozen by an operator (${f.id}${what ? `, for ${what}` : ''}): no credentials are issued until it is lifted`, {}, undefined, 403);
}
