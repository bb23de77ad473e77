import { z } from 'zod';

const count = (message: string, min: number, max: number) => z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);

/** `GET /v1/audit`: events with seq > `after`, at most `limit`, as JSON lines. */
export const auditQuery = z.object({
  after: count('after must be a sequence number', 0, Number.MAX_SAFE_INTEGER).default(0),
  limit: count('limit must be 1-10000', 1, 10_000).default(1000),
});

/** `GET /v1/audit/verify`: optionally only what follows a point an earlier run verified. */
export const auditVerifyQuery = z.object({
  since: z.string().regex(/^[1-9][0-9]{0,15}:[0-9a-f]{64}$/, 'since must be SEQ:HASH, as a previous verification reported it').optional(),
});
