import { z } from 'zod';
import { awsCredentials, awsRegion } from './aws-credentials.ts';
import { parseDuration } from './duration.ts';

const duration = (min: number, example: string) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const s = parseDuration(v);
    if (s === null || s < min) {
      ctx.addIssue({ code: 'custom', message: `expected a duration of at least ${min >= 3600 ? `${min / 3600}h` : `${min}s`}, such as ${example}` });
      return z.NEVER;
    }
    return s;
  });

/**
 * Audit retention: events older than `max_age`, or beyond the newest `max_events`, are cut into
 * segments of `segment_events`, each exported with its signed checkpoint to `export_dir`, then
 * pruned. Nothing is pruned unless it was exported there first, so without `export_dir` nothing is
 * pruned at all. `tollgate audit retain` applies it once; with `interval` the server applies it on
 * that period (on PostgreSQL, one node at a time). On Workers the archive is an R2 bucket
 * (`export_r2_binding`) and every Cron Trigger run applies it. On Node the archive can be an S3
 * bucket instead of a directory (`export_s3`).
 */
export const auditSection = z
  .object({
    retention: z
      .object({
        export_dir: z.string().min(1).max(4096).optional(),
        max_age: duration(3600, '90d').optional(),
        max_events: z.number().int().min(1).optional(),
        segment_events: z.number().int().min(1).max(200_000).default(100_000),
        interval: duration(1, '1h').optional(),
        /** On Node, instead of export_dir: an S3 bucket (or another store that speaks S3's API, with `endpoint`). */
        export_s3: z
          .object({
            bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
            /** prepended to every object name, such as `tollgate/prod/` */
            prefix: z.string().max(512).regex(/^[\x21-\x7e]*$/, 'printable ASCII without spaces').default(''),
            region: awsRegion,
            endpoint: z.url().optional(),
            /** bucket in the path (`endpoint/bucket/key`), as MinIO and most S3-compatible stores want */
            path_style: z.boolean().default(false),
            credentials: awsCredentials.default('default'),
          })
          .strict()
          .optional(),
        /** On Workers: the R2 bucket binding segments are exported to; each Cron Trigger run applies retention. */
        export_r2_binding: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a binding name, such as AUDIT_ARCHIVE').optional(),
      })
      .strict()
      .superRefine((r, ctx) => {
        if (r.export_dir !== undefined && r.export_s3 !== undefined) ctx.addIssue({ code: 'custom', path: ['export_s3'], message: 'export_dir or export_s3, not both: one archive' });
        if (r.export_r2_binding !== undefined && r.max_age === undefined && r.max_events === undefined) ctx.addIssue({ code: 'custom', path: ['export_r2_binding'], message: 'needs max_age or max_events: without either nothing is ever let go' });
        if (r.interval === undefined) return;
        // A schedule that can never prune is a mistake to say at start, not a silent no-op for months.
        if (r.export_dir === undefined && r.export_s3 === undefined) ctx.addIssue({ code: 'custom', path: ['interval'], message: 'needs export_dir or export_s3: nothing is pruned before it was exported' });
        if (r.max_age === undefined && r.max_events === undefined) ctx.addIssue({ code: 'custom', path: ['interval'], message: 'needs max_age or max_events: without either nothing is ever let go' });
      })
      .default({ segment_events: 100_000 }),
  })
  .strict()
  .default({ retention: { segment_events: 100_000 } });
