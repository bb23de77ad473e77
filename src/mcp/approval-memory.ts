import { BoundedCache } from '../gateway/bounded-cache.ts';

const REMEMBERED = 4096;

/**
 * Which approval a call is waiting for, by grant, tool and arguments digest. A client that got
 * "needs approval" retries the very same call (the spec's way: a tool error, then a retry), and
 * the gateway presents that approval with it, so the retry runs once approved instead of opening
 * another request. A client may name the approval itself (`_meta["io.tollgate/approval_id"]`); a
 * gateway that forgot (restart, another node) then still finds it. Entries end with the grant.
 */
export class ApprovalMemory {
  readonly #waiting = new BoundedCache<string>(REMEMBERED);

  static key(grantId: string, tool: string, digest: string): string {
    return `${grantId}\n${tool}\n${digest}`;
  }

  get(key: string, now: number): string | null {
    return this.#waiting.get(key, now) ?? null;
  }

  remember(key: string, approvalId: string, until: number): void {
    this.#waiting.set(key, approvalId, until);
  }

  forget(key: string): void {
    this.#waiting.delete(key);
  }
}
