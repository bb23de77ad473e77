import type { Deps } from '../deps.ts';
import type { GrantListFilter, GrantPage } from '../store/store.ts';

/** A page of grants; a cursor the store did not make is the caller's mistake (400), not an outage. */
export function listGrantsPage(deps: Deps, filter: GrantListFilter, limit: number, cursor: string | null): Promise<GrantPage> {
  return deps.store.listGrants(filter, limit, cursor);
}
