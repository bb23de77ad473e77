import type { Store } from '../store/store.ts';
import type { AuditEvent } from './event.ts';

/**
 * Every event in seq order, read page by page so memory stays flat however long the log is.
 * Only an empty page ends it: a store may cap `pageSize`, so a short page proves nothing.
 */
export async function* readAllEvents(store: Pick<Store, 'readAudit'>, pageSize = 5000, after = 0): AsyncIterable<AuditEvent> {
  for (;;) {
    const page = await store.readAudit(after, pageSize);
    const last = page.at(-1);
    if (!last) return;
    yield* page;
    after = last.seq;
  }
}
