import { ProviderError } from '../provider.ts';
import type { VaultDeps } from './deps.ts';
import { isGone, providerError } from './errors.ts';

/**
 * Runs `start()` unless `signal` has fired, and waits for it unless `signal` fires first. A call
 * given up on may still succeed in Vault; its late result goes to `cleanup` (which revokes it),
 * so a credential nobody recorded does not stay live until its TTL.
 */
export function abandonable<T>(signal: AbortSignal, start: () => Promise<T>, cleanup: (late: T) => Promise<void>): Promise<T> {
  if (signal.aborted) return Promise.reject(gaveUp());
  const work = start();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      reject(gaveUp());
      work.then(cleanup).catch(() => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function gaveUp(): ProviderError {
  return new ProviderError('upstream_unavailable', 'Vault did not answer in time', true);
}

/**
 * Revokes a token (by accessor) or a lease Tollgate will not hand out. It cannot do more than log
 * if that fails: the credential's TTL still bounds it.
 */
export async function revokeUnreleased(deps: VaultDeps, what: { accessor: string } | { leaseId: string }, ttl: number, grantId: string): Promise<void> {
  const kind = 'accessor' in what ? 'token' : 'lease';
  try {
    if ('accessor' in what) await deps.client.revokeAccessor(deps.token(), what.accessor);
    else await deps.client.revokeLease(deps.token(), what.leaseId);
  } catch (e) {
    if (isGone(e)) return;
    deps.log.log('error', `vault: could not revoke a ${kind} that was not handed out; it lives until its TTL`, { grant_id: grantId, ttl, error: providerError(e, 'revoke').message });
  }
}
