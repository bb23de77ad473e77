import { z } from 'zod';
import { MAX_REASON_CHARS } from '../approvals/answer-approval.ts';
import { hasUnsafeText } from '../lib/unsafe-text.ts';

/** Why an approver answered as they did: one inert line, read later by people and in the audit log. */
export const approvalReason = z.string().max(MAX_REASON_CHARS).refine((v) => !hasUnsafeText(v));

/** `POST /v1/approvals/{id}/approve` and `/deny`: an optional reason. */
export const approvalAnswerBody = z.object({ reason: approvalReason.optional() }).strict();

/** `GET /v1/approvals`. */
export const approvalListQuery = z
  .object({
    status: z.enum(['pending', 'approved', 'denied', 'used']).optional(),
    agent: z.string().max(2048).optional(),
    task_id: z.string().max(512).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(512).optional(),
  })
  .strict();

export const MAX_WAIT_SECONDS = 30;

/** `GET /v1/approvals/{id}`: `wait` long-polls for the decision. */
export const approvalWaitQuery = z.object({
  wait: z.coerce.number({ error: `wait must be 0-${MAX_WAIT_SECONDS} seconds` }).int(`wait must be 0-${MAX_WAIT_SECONDS} seconds`).min(0, `wait must be 0-${MAX_WAIT_SECONDS} seconds`).max(MAX_WAIT_SECONDS, `wait must be 0-${MAX_WAIT_SECONDS} seconds`).default(0),
});
