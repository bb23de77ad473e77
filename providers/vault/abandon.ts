import { ProviderError } from '../provider.ts';

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
