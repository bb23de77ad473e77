import { z } from 'zod';
import type { GrantListFilter } from '../store/store.ts';
import { grantFilterFields } from './grant-filter-fields.ts';

export const GRANT_STATUSES = ['pending_approval', 'issuing', 'active', 'revoked', 'expired', 'denied', 'failed'] as const;

/** `GET /v1/grants`: the inventory's filters and paging. */
export const grantListQuery = z
  .object({
    ...grantFilterFields,
    status: z.enum(GRANT_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(512).optional(),
  })
  .strict();

export type GrantListQuery = z.output<typeof grantListQuery>;

/** The store's filter for a validated query. */
export function grantListFilterOf(q: GrantListQuery): GrantListFilter {
  const { limit: _limit, cursor: _cursor, issued_before, ...rest } = q;
  const filter: GrantListFilter = { ...rest };
  if (issued_before) filter.issued_before = Date.parse(issued_before);
  return filter;
}
