import type { Deps } from '../deps.ts';
import { groupCommit } from './call-audit.ts';
import { CredentialCache } from './credential-cache.ts';
import { grantTokenChecker } from './grant-token-check.ts';
import type { PerCallParts } from '../flows/per-call.ts';

const CACHED_CREDENTIALS = 10_000;

/**
 * Cuts a group-commit batch once the event loop has run everything ready: on Node after the
 * current turn (setImmediate), elsewhere on the next timer.
 */
const nextTurn = (f: () => void): void => {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (g.setImmediate) g.setImmediate(f);
  else setTimeout(f, 0);
};

const built = new WeakMap<Deps, PerCallParts>();

/**
 * The per-call path's caches and audit batching, one set per app: POST /v1/credentials, the MCP
 * gateway and the AuthZEN PDP share them, so a credential minted for one is served to the others
 * and every call's event joins the same group commit.
 */
export function perCallParts(deps: Deps): PerCallParts {
  let parts = built.get(deps);
  if (!parts) {
    parts = {
      checkToken: grantTokenChecker(deps),
      credentials: new CredentialCache(CACHED_CREDENTIALS),
      audit: groupCommit(deps.store, nextTurn),
    };
    built.set(deps, parts);
  }
  return parts;
}
