import type { Store } from '../store/store.ts';
import type { Grant } from './grant.ts';
import { matchesFilter } from './revocation-filter.ts';

const MAX_PARENTS = 16;

/**
 * The grant if it is honoured right now: active, unexpired, named by no revocation still being
 * carried out, and every parent it was narrowed from is too — revoking an orchestrator's grant
 * kills what its sub-agents derived from it.
 */
export async function liveGrant(store: Store, id: string, now: number): Promise<Grant | null> {
  // Asked alongside the grant (one round trip on a networked store). Read before the grant row,
  // it still binds every call that starts after a revocation was recorded.
  const unfinished = store.unfinishedRevocations();
  unfinished.catch(() => {}); // awaited below unless the grant is already dead
  const chain: Grant[] = [];
  let nextId: string | null = id;
  for (let i = 0; nextId && i <= MAX_PARENTS; i++) {
    const g = await store.getGrant(nextId);
    if (!g || g.status !== 'active' || g.expires_at <= now) return null;
    chain.push(g);
    nextId = g.parent_grant_id;
  }
  if (nextId) return null;
  // A mass revocation binds from the moment it is recorded, before its batches mark the rows.
  const pending = await unfinished;
  if (pending.some((r) => chain.some((g) => matchesFilter(r.filter, g)))) return null;
  return chain[0]!;
}
