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
  // The grant row and the revocations still being carried out, from one snapshot. Read apart (on
  // PostgreSQL, two connections, in either order), a mass revocation could mark this row and
  // finish between the two reads, and neither would see it bind.
  return liveGrantOf(store, await store.callView(id), now);
}

/** The same rule over a call's view (the grant and the unfinished revocations, read together). */
export async function liveGrantOf(store: Store, view: CallView | null, now: number): Promise<Grant | null> {
  return honoured(store, view?.grant ?? null, view?.unfinished ?? [], now);
}

async function honoured(store: Store, first: Grant | null, unfinished: RevocationRecord[], now: number): Promise<Grant | null> {
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
  if (unfinished.some((r) => chain.some((c) => matchesFilter(r.filter, c)))) return null;
  return chain[0]!;
}
