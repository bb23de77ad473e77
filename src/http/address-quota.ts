import type { Context } from 'hono';
import type { Deps } from '../deps.ts';
import { IdentityError } from '../identity/identity-error.ts';
import type { AppEnv } from './env.ts';
import { OAuthError } from '../lib/oauth-error.ts';

/**
 * Requests that did not authenticate cost their client address one token of
 * `server.quotas.unauthenticated.address`; an address that spent it is refused (429) until it
 * refills. "Did not authenticate" is a 401, or a refusal caused by an identity token that did not
 * verify (a token exchange with a forged or foreign subject token answers 400, not 401).
 */
export function addressQuota(deps: Deps) {
  return async (c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | void> => {
    const address = deps.clientAddress?.(c.req.raw, c.env) ?? null;
    if (address === null) return next();
    deps.quotas.checkAddress(address, deps.now());
    await next();
    if (c.res.status === 401 || (c.error instanceof OAuthError && c.error.cause instanceof IdentityError)) deps.quotas.noteUnauthenticated(address, deps.now());
  };
}
