import { z } from 'zod';
import { parseDuration } from './duration.ts';

const age = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = parseDuration(v);
  if (s === null || s < 3600) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration of at least 1h, such as 90d' });
    return z.NEVER;
  }
  return s;
});

/**
 * Audit retention (`tollgate audit retain`): events older than `max_age`, or beyond the newest
 * `max_events`, are cut into segments of `segment_events`, each exported with its signed
 * checkpoint to `export_dir`, then pruned. Nothing is pruned unless it was exported there first,
 * so without `export_dir` nothing is pruned at all. An object-store URL is not built.
 */
export const auditSection = z
  .object({
    retention: z
      .object({
        export_dir: z.string().min(1).max(4096).optional(),
        max_age: age.optional(),
        max_events: z.number().int().min(1).optional(),
        segment_events: z.number().int().min(1).max(200_000).default(100_000),
      })
      .strict()
      .default({ segment_events: 100_000 }),
  })
  .strict()
  .default({ retention: { segment_events: 100_000 } });
