import type { Config } from '../config/schema.ts';
import { QuotaExceeded } from './quota-exceeded.ts';
import { TokenBuckets } from './token-buckets.ts';

export type QuotasConfig = Config['server']['quotas'];
/** Endpoint classes: exchanges (/oauth/token), per-call decisions (/v1/credentials, AuthZEN, MCP calls), new approval requests. */
export type QuotaClass = 'token' | 'call' | 'approval';
type Keyed = 'agent' | 'principal';

/** Who a request is charged to, once its identity is verified. */
export interface QuotaSubject {
  agent: string;
  principal: string | null;
}

/**
 * Per-identity quotas, in memory on this node (per isolate on Workers): each agent and each
 * principal has a budget per endpoint class, and each client address a budget of requests that
 * did not authenticate. A request over budget is refused with 429 before it costs a store write.
 */
export class Quotas {
  readonly #enabled: boolean;
  readonly #buckets = new Map<string, TokenBuckets>();
  readonly #address: TokenBuckets;
  readonly #refused = new Map<string, number>();

  constructor(config: QuotasConfig) {
    this.#enabled = config.enabled;
    for (const cls of ['token', 'call', 'approval'] as const) {
      const rules = config[cls] as Partial<Record<Keyed, { per_minute: number; burst: number }>>;
      for (const k of ['agent', 'principal'] as const) {
        const rule = rules[k];
        if (rule) this.#buckets.set(`${cls}:${k}`, new TokenBuckets(rule, config.max_keys));
      }
    }
    this.#address = new TokenBuckets(config.unauthenticated.address, config.max_keys);
  }

  /** Charges one request of `cls` to the agent and, when there is one, the principal; throws QuotaExceeded. */
  charge(cls: QuotaClass, who: QuotaSubject, now: number): void {
    if (!this.#enabled) return;
    this.#take(cls, 'agent', who.agent, now);
    if (who.principal !== null) this.#take(cls, 'principal', who.principal, now);
  }

  /** Before anything else: an address that spent its budget of unauthenticated requests waits. */
  checkAddress(address: string, now: number): void {
    if (!this.#enabled) return;
    const wait = this.#address.wait(address, now);
    if (wait > 0) throw this.#refuse('unauthenticated', 'address', 'too many unauthenticated requests from this address', wait);
  }

  /** After a request that did not authenticate: it costs its address one token. */
  noteUnauthenticated(address: string, now: number): void {
    if (this.#enabled) this.#address.take(address, now);
  }

  /** Refusals so far, by class and key kind, for /metrics. */
  refusals(): ReadonlyMap<string, number> {
    return this.#refused;
  }

  #take(cls: QuotaClass, kind: Keyed, id: string, now: number): void {
    const b = this.#buckets.get(`${cls}:${kind}`);
    if (!b) return;
    const wait = b.take(id, now);
    if (wait > 0) throw this.#refuse(cls, kind, `${kind} over its ${cls} quota`, wait);
  }

  #refuse(cls: string, kind: string, what: string, wait: number): QuotaExceeded {
    const key = `${cls},${kind}`;
    this.#refused.set(key, (this.#refused.get(key) ?? 0) + 1);
    return new QuotaExceeded(what, wait);
  }
}
