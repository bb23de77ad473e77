import type { Store } from '../store/store.ts';

/** A store that cannot answer: every operation rejects, so every path that needs state fails closed. */
export function unavailableStore(reason: string): Store {
  return new Proxy({} as Store, {
    get: (_, prop) => (prop === 'then' ? undefined : () => Promise.reject(new Error(`store unavailable: ${reason}`))),
  });
}
