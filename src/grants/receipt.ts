import type { Provider } from '../../providers/provider.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import type { RevocationTally } from '../store/store.ts';
import type { Grant } from '../model/grant.ts';

/**
 * What a revocation did upstream, per grant:
 * - `revoked`: nothing the agent holds still works (only a Tollgate grant token was handed out,
 *   or the upstream confirmed the revocation);
 * - `pending`: the upstream has not confirmed yet; a job retries until it does;
 * - `expires_at`: the upstream credential cannot be revoked and works until `expires_at`
 *   (null: a static secret that never expires — rotate it).
 */
export type ReceiptStatus = 'revoked' | 'pending' | 'expires_at';

export interface Receipt {
  grant_id: string;
  status: ReceiptStatus;
  /** until when the credential may still work: for `pending` (at worst) and `expires_at`; null = never */
  expires_at?: string | null;
  detail?: string;
}

export function receiptFor(grant: Grant, provider: Provider | undefined, jobOpen: boolean): Receipt {
  const o = outcome(grant.token_type, grant.lease !== null, provider, jobOpen, grant.resource);
  const expiry = new Date(grant.credential_expires_at ?? grant.expires_at).toISOString();
  return { grant_id: grant.id, ...o, ...(o.status !== 'revoked' && o.expires_at === undefined ? { expires_at: expiry } : {}) };
}

type Outcome = Pick<Receipt, 'status' | 'detail'> & { expires_at?: null };

function outcome(tokenType: string, withLease: boolean, provider: Provider | undefined, jobOpen: boolean, resourceId: string): Outcome {
  // A grant token is the only thing the agent held; every Tollgate path now refuses it.
  if (tokenType === TOKEN_TYPE.jwt) return { status: 'revoked' };
  if (jobOpen) return { status: 'pending', detail: 'upstream revocation is being retried' };
  if (provider?.revoke && withLease) return provider.revocationNote ? { status: 'revoked', detail: provider.revocationNote } : { status: 'revoked' };
  if (provider?.isStatic?.(resourceId)) return { status: 'expires_at', expires_at: null, detail: 'a static secret does not expire: rotate it upstream' };
  return { status: 'expires_at', detail: 'the upstream cannot revoke this credential; it works until it expires' };
}

export interface ReceiptTotals {
  revoked: number;
  pending: number;
  expires_at: number;
  /** static secrets handed out: they never expire, rotate them */
  static_secrets: number;
  /** the last moment any un-revocable, expiring credential of this revocation still works */
  last_expiry: string | null;
}

/** A mass revocation's receipts, counted from its tally instead of listed grant by grant. */
export function receiptTotals(tally: RevocationTally[], providers: ReadonlyMap<string, Provider>): ReceiptTotals {
  const totals: ReceiptTotals = { revoked: 0, pending: 0, expires_at: 0, static_secrets: 0, last_expiry: null };
  let last = 0;
  for (const t of tally) {
    const provider = providers.get(t.provider);
    totals.pending += t.pending;
    const settled = t.grants - t.pending;
    const o = outcome(t.token_type, t.with_lease, provider, false, t.resource);
    if (o.status === 'revoked') totals.revoked += settled;
    else if (o.expires_at === null) totals.static_secrets += settled;
    else if (settled > 0) {
      totals.expires_at += settled;
      last = Math.max(last, t.latest_expiry);
    }
  }
  totals.last_expiry = last ? new Date(last).toISOString() : null;
  return totals;
}
