/**
 * Anyone can POST to /v1/signals, and every refused SET is an audit event: without a bound, a
 * stream of garbage would grow the audit log as fast as it is sent. A token bucket per process
 * lets `burst` refusals through at once and `perSecond` after that; the rest are counted, and
 * the next refusal that is written says how many were not.
 */
export class RejectionBudget {
  readonly #burst: number;
  readonly #perMs: number;
  #tokens: number;
  #at: number;
  #suppressed = 0;

  constructor(perSecond = 5, burst = 50, now = 0) {
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#tokens = burst;
    this.#at = now;
  }

  /** refusals not written since the last one that was */
  get suppressed(): number {
    return this.#suppressed;
  }

  /** null: do not write this one; otherwise how many were left unwritten since the last written. */
  take(now: number): number | null {
    this.#tokens = Math.min(this.#burst, this.#tokens + Math.max(0, now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens < 1) {
      this.#suppressed++;
      return null;
    }
    this.#tokens -= 1;
    const n = this.#suppressed;
    this.#suppressed = 0;
    return n;
  }
}
