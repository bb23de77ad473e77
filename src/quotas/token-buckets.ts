/** One limit: a steady rate with room for bursts. `per_minute: 0` turns it off. */
export interface RateRule {
  per_minute: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  /** epoch ms of the last refill */
  at: number;
}

/**
 * Token buckets by key, in memory: each key may spend `burst` at once and regains `per_minute`
 * a minute. `take` costs a Map lookup and a little arithmetic (the per-call path calls it on every
 * call). At most `maxKeys` buckets are kept; past that the oldest is dropped, which at worst hands
 * that key a fresh burst, never refuses someone wrongly.
 */
export class TokenBuckets {
  readonly #rule: RateRule;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #perMs: number;

  constructor(rule: RateRule, maxKeys: number) {
    this.#rule = rule;
    this.#maxKeys = maxKeys;
    this.#perMs = rule.per_minute / 60_000;
  }

  get enabled(): boolean {
    return this.#rule.per_minute > 0;
  }

  /** Spends one token: 0 when allowed, else the whole seconds until one is back (Retry-After). */
  take(key: string, now: number): number {
    if (!this.enabled) return 0;
    const b = this.#refilled(key, now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.#perMs / 1000));
  }

  /** Seconds until `key` has a token again, without spending one (0: it has one now). */
  wait(key: string, now: number): number {
    if (!this.enabled) return 0;
    const b = this.#buckets.get(key);
    if (!b) return 0;
    const tokens = Math.min(this.#rule.burst, b.tokens + (now - b.at) * this.#perMs);
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.#perMs / 1000));
  }

  #refilled(key: string, now: number): Bucket {
    let b = this.#buckets.get(key);
    if (b) {
      b.tokens = Math.min(this.#rule.burst, b.tokens + Math.max(0, now - b.at) * this.#perMs);
      b.at = now;
      return b;
    }
    if (this.#buckets.size >= this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!);
    b = { tokens: this.#rule.burst, at: now };
    this.#buckets.set(key, b);
    return b;
  }
}
