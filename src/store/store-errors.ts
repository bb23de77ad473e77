/**
 * A grant the store would not create, because between the caller's checks and the insert its
 * agent or principal was blocked, or its task was closed. Checked inside the insert's own atomic
 * operation, so an exchange racing a revocation cannot slip a grant past it.
 */
export class GrantRefused extends Error {
  override name = 'GrantRefused';
  readonly reason: 'blocked' | 'task_closed';
  constructor(reason: 'blocked' | 'task_closed') {
    super(reason === 'blocked' ? 'agent or principal is blocked' : 'the task is closed');
    this.reason = reason;
  }
}

/**
 * The store could not answer: the database is unreachable, refused the write (a full disk), or
 * lost too many write races in a row. Nothing it was asked to change has changed. `retry`: the
 * same request may succeed in a moment (a lost race, a dropped connection).
 */
export class StoreUnavailable extends Error {
  override name = 'StoreUnavailable';
  readonly retry: boolean;
  constructor(retry: boolean, cause: unknown) {
    super(`store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.retry = retry;
  }
}

/** What the caller sent the store cannot take: a cursor it did not make. The request's fault, not an outage. */
export class StoreRefused extends RangeError {
  override name = 'StoreRefused';
}
