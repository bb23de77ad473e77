import { z } from 'zod';
import type { RevocationFilter } from '../store/store.ts';
import { grantFilterFields } from './grant-filter-fields.ts';

const FILTER_KEYS = ['agent', 'principal', 'owner', 'provider', 'resource', 'task_id', 'issued_before', 'grant_ids'] as const;

/** `POST /v1/revocations`: a filter (or `all: true` alone), why, and whether to count first or block. */
export const revocationBody = z
  .object({
    ...grantFilterFields,
    grant_ids: z.array(z.string().regex(/^grt_[A-Za-z0-9_-]{10,64}$/)).min(1).max(10_000).optional(),
    all: z.literal(true).optional(),
    reason: z.string().min(1).max(500).default('revoked by admin'),
    dry_run: z.boolean().default(false),
    block: z.boolean().default(false),
  })
  .strict()
  .refine((b) => Boolean(b.all) !== hasFilter(b), { message: 'give a filter, or all: true alone' })
  .refine((b) => !b.block || Boolean(b.agent || b.principal), { message: 'block needs agent or principal' });

export type RevocationBody = z.output<typeof revocationBody>;

function hasFilter(b: Record<string, unknown>): boolean {
  return FILTER_KEYS.some((k) => b[k] !== undefined);
}

/** The store's filter for a validated body. */
export function revocationFilterOf(b: RevocationBody): RevocationFilter {
  const filter: RevocationFilter = {};
  for (const k of ['agent', 'principal', 'owner', 'provider', 'resource', 'task_id'] as const) if (b[k] !== undefined) filter[k] = b[k];
  if (b.issued_before) filter.issued_before = Date.parse(b.issued_before);
  if (b.grant_ids) filter.grant_ids = b.grant_ids;
  if (b.all) filter.all = true;
  return filter;
}

const limit = (max: number, fallback: number) => z.coerce.number({ error: `limit must be 1-${max}` }).int(`limit must be 1-${max}`).min(1, `limit must be 1-${max}`).max(max, `limit must be 1-${max}`).default(fallback);

/** `GET /v1/revocations`. */
export const revocationListQuery = z.object({ limit: limit(500, 50) });

/** `GET /v1/revocations/{id}/receipts`: paged like the inventory. */
export const receiptsQuery = z.object({ limit: limit(1000, 100), cursor: z.string().max(512).optional() });
