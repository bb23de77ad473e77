import type { SqlDatabase, SqlStatement } from './sql-database.ts';
import { attemptCommitted, attemptFailed, attemptStarted } from './known-head.ts';

/**
 * D1 has no interactive transactions: an operation reads, computes (audit hashes need Web
 * Crypto, outside SQL), then commits one batch. Between the read and the batch another writer
 * may commit. So every batch carries guards that FAIL it — and a failing statement rolls the
 * whole batch back — when what it read no longer holds:
 * - a guarded UPDATE/DELETE followed by `expectChanges(n)`: a row that left the expected state
 *   is not touched, the count falls short, the guard row violates write_guard's CHECK;
 * - the audit append: events go in at seq = head + 1 … (the primary key), and the head row is
 *   moved only from the seq and hash that were read. Nearly every change appends an event, so
 *   the audit head also serves as a version of everything the operation read.
 * The operation then reads again and retries, a bounded number of times.
 */
export function expectChanges(db: SqlDatabase, n: number): SqlStatement {
  return db.prepare(EXPECT_CHANGES_SQL).bind(n);
}

/**
 * changes() is SQLite's row count of the statement just before this one in the batch. A driver
 * for an engine without it (PostgreSQL) recognises this exact text and compares the count itself.
 */
export const EXPECT_CHANGES_SQL = 'INSERT INTO write_guard (stale) SELECT 1 WHERE changes() <> ?';

/** A driver's way of saying its batch lost a race to another writer (a guard failed, a lock was lost). */
export class WriteConflict extends Error {
  override name = 'WriteConflict';
}

const CONFLICT = /CHECK constraint failed: stale_read|UNIQUE constraint failed: audit_(events\.seq|head\.id)/;

/** True for a batch that failed because another writer got there first (so a retry may succeed). */
export function isWriteConflict(e: unknown): boolean {
  for (let c: unknown = e; c instanceof Error; c = c.cause) if (c instanceof WriteConflict || CONFLICT.test(c.message)) return true;
  return false;
}

/** Enough for a burst of writers on one log; past it the caller fails closed (503). */
export const MAX_ATTEMPTS = 30;

export class WriteContentionError extends Error {
  readonly code = 'STORE_CONTENDED';
  readonly retry = true;
  constructor(operation: string, cause: unknown) {
    super(`sql store: ${operation} lost ${MAX_ATTEMPTS} write races in a row`, { cause });
  }
}

/**
 * Run `attempt` (read, compute, one guarded batch) until its batch commits. A conflict means
 * some other writer committed, so the retries make progress overall; the jittered pause keeps
 * a crowd of losers from colliding again in lockstep.
 */
export async function withRetries<T>(cx: { serialWrites?: boolean }, operation: string, attempt: () => Promise<T>): Promise<T> {
  if (!cx.serialWrites) return retrying(cx, operation, attempt);
  // One operation at a time through this store: its writers queue here instead of racing each
  // other on the audit head and failing closed after MAX_ATTEMPTS under a busy gateway's load.
  const before = queues.get(cx) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  queues.set(cx, before.then(() => mine));
  await before;
  try {
    return await retrying(cx, operation, attempt);
  } finally {
    release();
  }
}

const queues = new WeakMap<object, Promise<void>>();

async function retrying<T>(cx: { serialWrites?: boolean }, operation: string, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    attemptStarted(cx);
    try {
      const result = await attempt();
      attemptCommitted(cx);
      return result;
    } catch (e) {
      const guessed = attemptFailed(cx);
      if (!isWriteConflict(e)) throw e;
      if (n >= MAX_ATTEMPTS) throw new WriteContentionError(operation, e);
      // A guessed audit head that was stale is this node's own miss, not a crowd of writers: no pause.
      if (!guessed) await pause(Math.random() * Math.min(2 ** n, 50));
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Fails the batch if `sql` (a SELECT) finds a row: something appeared that the operation read as absent. */
export function expectNone(db: SqlDatabase, sql: string, ...params: unknown[]): SqlStatement {
  return db.prepare(`INSERT INTO write_guard (stale) SELECT 1 WHERE EXISTS (${sql})`).bind(...params);
}

/** Fails the batch unless `sql` (a SELECT) finds a row: something the operation read is gone or changed. */
export function expectSome(db: SqlDatabase, sql: string, ...params: unknown[]): SqlStatement {
  return db.prepare(`INSERT INTO write_guard (stale) SELECT 1 WHERE NOT EXISTS (${sql})`).bind(...params);
}
