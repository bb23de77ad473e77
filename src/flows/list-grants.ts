import type { Deps } from '../deps.ts';
import { storeCall } from '../store/store-call.ts';
import type { GrantListFilter, GrantPage } from '../store/store.ts';
import { OAuthError } from '../lib/oauth-error.ts';

/** A page of grants; a cursor the store did not make is the caller's mistake (400), not an outage. */
export function listGrantsPage(deps: Deps, filter: GrantListFilter, limit: number, cursor: string | null): Promise<GrantPage> {
  return storeCall(() =>
    deps.store.listGrants(filter, limit, cursor).catch((e: unknown) => {
      throw e instanceof RangeError ? new OAuthError('invalid_request', 'malformed cursor') : e;
    }),
  );
}
