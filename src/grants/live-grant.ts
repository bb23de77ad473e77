import type { CallView, RevocationRecord, Store } from '../store/store.ts';
import type { Grant } from '../model/grant.ts';
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
  return honoured(store, await store.getGrant(id), unfinished, now);
}

/** The same rule for a gateway call's view, which already holds the grant and the unfinished revocations. */
export async function liveGrantOf(store: Store, view: CallView | null, now: number): Promise<Grant | null> {
  return honoured(store, view?.grant ?? null, view?.unfinished ?? [], now);
}

async function honoured(store: Store, first: Grant | null, unfinished: Promise<RevocationRecord[]> | RevocationRecord[], now: number): Promise<Grant | null> {
  const chain: Grant[] = [];
  let g = first;
  for (let i = 0; ; i++) {
    if (!g || g.status !== 'active' || g.expires_at <= now) return null;
    chain.push(g);
    if (!g.parent_grant_id) break;
    if (i >= MAX_PARENTS) return null;
    g = await store.getGrant(g.parent_grant_id);
  }
  // A mass revocation binds from the moment it is recorded, before its batches mark the rows.
  const pending = await unfinished;
  if (pending.some((r) => chain.some((c) => matchesFilter(r.filter, c)))) return null;
  return chain[0]!;
}
