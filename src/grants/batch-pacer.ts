/**
 * How long one revocation batch may hold the thread, in milliseconds. A gateway call that arrives
 * meanwhile waits for about one batch: 0.2 ms kept the per-call p99 during a 100k revocation at
 * ~3.8× its baseline (0.5 ms: ~5.5×) while the background marking took twice as long (dead on
 * every path is immediate either way).
 */
export const BATCH_BUDGET_MS = 0.2;

/** Below this a batch is mostly its transaction's fixed cost, and the revocation would crawl. */
export const MIN_BATCH = 4;

/** The size a paced revocation starts with, before it has measured anything. */
const FIRST_SIZE = 16;

/**
 * Sizes the batches of a background revocation so that each holds the thread for about
 * `budgetMs`, between MIN_BATCH and `max` grants. On a synchronous store (better-sqlite3) a
 * batch's whole transaction runs before its call returns, and a request that arrives meanwhile
 * waits for it: a fixed 250 grants held the connection for several milliseconds, and that wait
 * was the gateway's p99 during a mass revocation. What is measured is the time the call held the
 * thread (taken around the call, before awaiting it), never the time its promise took, so a store
 * that answers over the network (D1) is not shrunk for its latency and keeps its large batches.
 * The cost per grant is smoothed, so one batch that was descheduled or ran into a WAL checkpoint
 * does not throw the size around; the size at most doubles per batch.
 */
export class BatchPacer {
  readonly #max: number;
  readonly #min: number;
  readonly #budgetMs: number;
  #size: number;
  #msPerGrant: number | null = null;

  constructor(max: number, budgetMs: number = BATCH_BUDGET_MS) {
    this.#max = Math.max(1, max);
    this.#min = Math.min(this.#max, MIN_BATCH);
    this.#budgetMs = budgetMs;
    this.#size = Math.min(this.#max, FIRST_SIZE);
  }

  /** How many grants the next batch takes. */
  get size(): number {
    return this.#size;
  }

  /** After a batch of `size` grants that held the thread for `heldMs`. */
  record(heldMs: number): void {
    const sample = Math.max(0, heldMs) / this.#size;
    this.#msPerGrant = this.#msPerGrant === null ? sample : 0.75 * this.#msPerGrant + 0.25 * sample;
    const fit = this.#msPerGrant > 0 ? Math.round(this.#budgetMs / this.#msPerGrant) : Infinity;
    this.#size = Math.max(this.#min, Math.min(this.#max, this.#size * 2, fit));
  }
}

/**
 * Lets everything the event loop has ready run, then continues: on Node after the I/O that is
 * already waiting (setImmediate, without setTimeout's 1 ms floor), elsewhere on the next timer.
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  return new Promise((resolve) => {
    if (g.setImmediate) g.setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}
