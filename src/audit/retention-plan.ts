import type { AuditEvent } from './event.ts';

export interface RetentionPolicy {
  /** seconds an event is kept live */
  max_age?: number;
  /** live events kept at most */
  max_events?: number;
  segment_events: number;
}

/**
 * The seq through which the live chain may be pruned under `policy`, or 0 for none: past
 * `max_age`, or beyond the newest `max_events`, whichever reaches further. `oldest` are the
 * retained events from the first on (read as far as needed; times follow the callers' clocks,
 * so the age cut stops at the first event young enough, never skipping over one).
 */
export async function pruneThrough(
  oldest: AsyncIterable<Pick<AuditEvent, 'seq' | 'time'>>,
  head: { seq: number } | null,
  policy: RetentionPolicy,
  nowMs: number,
): Promise<number> {
  if (!head) return 0;
  let through = 0;
  if (policy.max_age !== undefined) {
    const cutoff = nowMs - policy.max_age * 1000;
    for await (const e of oldest) {
      if (e.time >= cutoff || e.seq > head.seq) break;
      through = e.seq;
    }
  }
  if (policy.max_events !== undefined) through = Math.max(through, head.seq - policy.max_events);
  return Math.max(0, Math.min(through, head.seq));
}

/** `from`..`through` cut into segments of at most `size` events. */
export function segmentRanges(from: number, through: number, size: number): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  for (let f = from; f <= through; f += size) out.push({ from: f, to: Math.min(through, f + size - 1) });
  return out;
}
