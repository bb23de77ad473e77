import type { RevocationFilter } from '../store/store.ts';
import type { Grant } from '../model/grant.ts';

/**
 * The same question the store answers in SQL, asked of one grant in memory: does this
 * revocation's filter name it? Every given field must match; `all` only says that naming no
 * field is meant (it never widens a filter that names some).
 */
export function matchesFilter(f: RevocationFilter, g: Grant): boolean {
  if (f.issued_before !== undefined && !(g.created_at < f.issued_before)) return false;
  if (f.agent !== undefined && g.agent !== f.agent) return false;
  if (f.principal !== undefined && g.principal !== f.principal) return false;
  if (f.owner !== undefined && g.owner !== f.owner) return false;
  if (f.provider !== undefined && g.provider !== f.provider) return false;
  if (f.resource !== undefined && g.resource !== f.resource) return false;
  if (f.task_id !== undefined && g.task_id !== f.task_id) return false;
  if (f.grant_ids !== undefined && !f.grant_ids.includes(g.id)) return false;
  return true;
}
