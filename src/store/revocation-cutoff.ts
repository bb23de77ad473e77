import type { RevocationFilter, RevocationRecord } from './store.ts';

/**
 * A revocation's `issued_before` at or after its own time means "every matching grant recorded
 * before this revocation". Timestamps alone cannot say that when several nodes write: a grant's
 * `created_at` comes from its node's clock before its commit, so a grant committed first may carry
 * a later time (skew, or a revocation that waited for its turn to commit). So the store, inside
 * the operation that records the revocation, raises such a cutoff above the newest matching live
 * grant it can see; grants recorded later are held off by the block, or are not the revocation's.
 * A cutoff before the revocation's time is a date the caller chose, and stays as given.
 */
export function boundCutoff(record: RevocationRecord, newestMatching: number | null): RevocationRecord {
  const cutoff = record.filter.issued_before;
  if (cutoff === undefined || cutoff < record.created_at || newestMatching === null || newestMatching < cutoff) return record;
  return { ...record, filter: { ...record.filter, issued_before: newestMatching + 1 } };
}

/** The filter whose live grants boundCutoff looks at (everything but the cutoff), or null when the cutoff stands as given. */
export function cutoffScope(record: RevocationRecord): RevocationFilter | null {
  const { issued_before, ...rest } = record.filter;
  if (issued_before === undefined || issued_before < record.created_at) return null;
  return Object.keys(rest).length === 0 ? { all: true } : rest;
}
