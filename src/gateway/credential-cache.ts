import { BoundedCache } from './bounded-cache.ts';
import type { CallCredential } from './issue-call-credential.ts';

/**
 * Upstream credentials per grant and action, so the upstream is not called on every gateway
 * call. Bounded; an entry is served only until its refresh point, some time before the
 * credential (or the grant, whichever ends first) expires, so a gateway never injects one about
 * to die. Concurrent misses for one key share a single issue. The cache never decides whether a
 * grant is honoured: callers check that in the store first, on every call.
 */
export class CredentialCache {
  readonly #entries: BoundedCache<CallCredential>;
  readonly #inFlight = new Map<string, Promise<CallCredential>>();

  constructor(maxEntries: number) {
    this.#entries = new BoundedCache(maxEntries);
  }

  /** The cached credential, or the one `issue` mints (shared with concurrent callers); `fresh` says which. */
  async get(grantId: string, action: string, now: number, issue: () => Promise<CallCredential>): Promise<{ credential: CallCredential; fresh: boolean }> {
    const key = `${grantId} ${action}`;
    const hit = this.#entries.get(key, now);
    if (hit) return { credential: hit, fresh: false };
    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = issue().then(
        (c) => {
          this.#entries.set(key, c, refreshPoint(c, now));
          return c;
        },
      ).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return { credential: await pending, fresh: true };
  }

  /** Drops what a grant holds (it was found dead: there is no reason to keep its secrets in memory). */
  forget(grantId: string, actions: readonly string[]): void {
    for (const a of actions) this.#entries.delete(`${grantId} ${a}`);
  }
}

/** A fifth of the lifetime before the end, at most a minute and at least a second. */
export function refreshPoint(c: CallCredential, issuedAt: number): number {
  const life = c.expiresAt - issuedAt;
  return c.expiresAt - Math.max(1000, Math.min(60_000, life / 5));
}
