import type { AuditHead } from './audit-append.ts';

/**
 * The audit head this store's own last committed write left, for a store whose writes run one at
 * a time (SqlBatching.serialWrites: PostgreSQL, one queue per node). An append with nothing else
 * to read (a gateway call's group commit) then skips the round trip that reads the head. It is
 * only a guess: if another node appended since, the batch's guards refuse it (the seq key, the
 * head row moved only from the seq and hash it names) and the append is retried from a fresh
 * read. After such a miss the head is read again for a while, so nodes busy on one log do not lose
 * a batch per append.
 */
interface Known {
  head: AuditHead | undefined;
  /** the head the current attempt's batch will leave, if it commits */
  pending: AuditHead | undefined;
  /** whether the current attempt started from `head` instead of reading it */
  guessed: boolean;
  /** appends left that read the head instead of guessing, after a miss */
  readFor: number;
}

const READ_AFTER_MISS = 64;

const known = new WeakMap<object, Known>();

function of(cx: { serialWrites?: boolean }): Known | undefined {
  if (!cx.serialWrites) return undefined;
  let k = known.get(cx);
  if (!k) known.set(cx, (k = { head: undefined, pending: undefined, guessed: false, readFor: 0 }));
  return k;
}

/** The head to append onto without reading it, or undefined: read it. */
export function guessHead(cx: { serialWrites?: boolean }): AuditHead | undefined {
  const k = of(cx);
  if (!k || k.head === undefined) return undefined;
  if (k.readFor > 0) {
    k.readFor--;
    return undefined;
  }
  k.guessed = true;
  return k.head;
}

/** The head the batch being built leaves once it commits. */
export function headAfter(cx: { serialWrites?: boolean }, head: AuditHead): void {
  const k = of(cx);
  if (k) k.pending = head;
}

/** Around each attempt of a serial write (withRetries). */
export function attemptStarted(cx: { serialWrites?: boolean }): void {
  const k = of(cx);
  if (k) (k.pending = undefined), (k.guessed = false);
}

export function attemptCommitted(cx: { serialWrites?: boolean }): void {
  const k = of(cx);
  // An operation that appended nothing left the head where it was.
  if (k && k.pending !== undefined) k.head = k.pending;
}

/** Forget the head after any failure (a batch may or may not have committed); true if the attempt had guessed it. */
export function attemptFailed(cx: { serialWrites?: boolean }): boolean {
  const k = of(cx);
  if (!k) return false;
  const missed = k.guessed;
  k.head = undefined;
  if (missed) k.readFor = READ_AFTER_MISS;
  return missed;
}
