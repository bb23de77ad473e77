import { describe, expect, it } from 'vitest';
import { pruneThrough, segmentRanges } from '../../src/audit/retention-plan.ts';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;
// Ten events, one a day, the newest today.
const events = Array.from({ length: 10 }, (_, i) => ({ seq: i + 1, time: NOW - (9 - i) * DAY }));
async function* oldest() {
  yield* events;
}
const head = { seq: 10 };

describe('audit retention plan', () => {
  it('prunes by age up to the first event young enough, and by size beyond the newest max_events, whichever reaches further', async () => {
    expect(await pruneThrough(oldest(), head, { max_age: 3 * 86_400, segment_events: 5 }, NOW)).toBe(6);
    expect(await pruneThrough(oldest(), head, { max_events: 8, segment_events: 5 }, NOW)).toBe(2);
    expect(await pruneThrough(oldest(), head, { max_age: 3 * 86_400, max_events: 2, segment_events: 5 }, NOW)).toBe(8);
    expect(await pruneThrough(oldest(), head, { segment_events: 5 }, NOW)).toBe(0);
    expect(await pruneThrough(oldest(), null, { max_events: 1, segment_events: 5 }, NOW)).toBe(0);
  });

  it('stops the age cut at an event whose clock says it is young, never skipping past it', async () => {
    async function* skewed() {
      yield { seq: 1, time: NOW - 9 * DAY };
      yield { seq: 2, time: NOW }; // a caller whose clock ran ahead
      yield { seq: 3, time: NOW - 8 * DAY };
    }
    expect(await pruneThrough(skewed(), { seq: 3 }, { max_age: 86_400, segment_events: 5 }, NOW)).toBe(1);
  });

  it('cuts a range into segments of at most segment_events', () => {
    expect(segmentRanges(4, 15, 5)).toEqual([{ from: 4, to: 8 }, { from: 9, to: 13 }, { from: 14, to: 15 }]);
    expect(segmentRanges(4, 3, 5)).toEqual([]);
  });
});
