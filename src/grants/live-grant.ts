import type { Store } from '../store/store.ts';
import type { Grant } from './grant.ts';

const MAX_PARENTS = 16;

/**
 * The grant if it is honoured right now: active, unexpired, and every parent it was narrowed
 * from is too — revoking an orchestrator's grant kills what its sub-agents derived from it.
 */
export async function liveGrant(store: Store, id: string, now: number): Promise<Grant | null> {
  const grant = await store.getGrant(id);
  if (!grant || grant.status !== 'active' || grant.expires_at <= now) return null;
  let parentId = grant.parent_grant_id;
  for (let i = 0; parentId && i < MAX_PARENTS; i++) {
    const parent = await store.getGrant(parentId);
    if (!parent || parent.status !== 'active' || parent.expires_at <= now) return null;
    parentId = parent.parent_grant_id;
  }
  return parentId ? null : grant;
}
