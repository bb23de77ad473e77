import type { ActionClass } from './action-class.ts';

export type GrantStatus =
  | 'pending_approval'
  | 'issuing'
  | 'active'
  | 'revoked'
  | 'expired'
  | 'denied'
  | 'failed';

/** Statuses in which a grant may still become or be a live credential: these are what revocation touches. */
export const LIVE_STATUSES: readonly GrantStatus[] = ['pending_approval', 'issuing', 'active'];

/** RFC 8693 §4.1 actor claim; nested for chains (the outermost is the current actor). */
export interface ActClaim {
  sub: string;
  iss?: string;
  act?: ActClaim;
}

/** One decision to let one agent hold one credential for one task. Times are epoch milliseconds. */
export interface Grant {
  id: string;
  status: GrantStatus;
  agent: string;
  owner: string;
  principal: string | null;
  act: ActClaim | null;
  task_id: string;
  resource: string;
  provider: string;
  actions: ActionClass[];
  scope: string;
  intent: string | null;
  policy_ids: string[];
  approval: string | null;
  token_type: string;
  parent_grant_id: string | null;
  created_at: number;
  expires_at: number;
  issued_at: number | null;
  revoked_at: number | null;
  status_reason: string | null;
  lease: string | null;
  credential_fingerprint: string | null;
  /**
   * When the upstream credential handed out stops working by itself. It can be later than
   * `expires_at` when the upstream cannot issue shorter; the grant then revokes it at expiry.
   */
  credential_expires_at: number | null;
}

export function newGrantId(): string {
  return 'grt_' + randomToken(16);
}

export function randomToken(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The status a person should be shown at `now`: a grant past its expiry is `expired` the moment
 * it expires (every path already refuses it), not only once the sweeper has marked its row.
 */
export function statusAt(g: Pick<Grant, 'status' | 'expires_at'>, now: number): GrantStatus {
  return (g.status === 'active' || g.status === 'pending_approval') && g.expires_at <= now ? 'expired' : g.status;
}
