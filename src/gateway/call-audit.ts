import type { AuditDraft } from '../audit/event.ts';
import type { Store } from '../store/store.ts';

/** Makes one call's event durable; resolves only once it is, rejects if it cannot be. */
export type CallAudit = (event: AuditDraft) => Promise<void>;

const MAX_BATCH = 256;

/**
 * Group commit: events of calls that reach this point together are appended in one atomic store
 * operation, and each call is answered only after the operation that holds its event committed
 * (if it fails, every call in it fails: fail closed). A batch is cut when the event loop has run
 * what was ready (`schedule`), or at MAX_BATCH events; while one append is still being written
 * (a store over the network: PostgreSQL), the next batch keeps filling and goes when it is done,
 * so a busy gateway makes one round of writes per batch instead of one per call.
 */
export function groupCommit(store: Store, schedule: (flush: () => void) => void = queueMicrotask): CallAudit {
  let batch: { event: AuditDraft; done: () => void; failed: (e: unknown) => void }[] = [];
  let writing = false;
  const flush = () => {
    if (writing || batch.length === 0) return;
    const mine = batch.splice(0, MAX_BATCH);
    writing = true;
    store.appendAudits(mine.map((b) => b.event)).then(
      () => mine.forEach((b) => b.done()),
      (e: unknown) => mine.forEach((b) => b.failed(e)),
    ).finally(() => {
      writing = false;
      flush();
    });
  };
  return (event) =>
    new Promise<void>((done, failed) => {
      batch.push({ event, done, failed });
      if (batch.length === 1) schedule(flush);
      else if (batch.length >= MAX_BATCH) flush();
    });
}

/** One store operation per event. */
export function eachAlone(store: Store): CallAudit {
  return async (event) => {
    await store.appendAudit(event);
  };
}
