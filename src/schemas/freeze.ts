import { z } from 'zod';
import { hasUnsafeText, UNSAFE_TEXT_MESSAGE } from '../lib/unsafe-text.ts';

const id = z.string().min(1).max(2048);

/** An operator's reason, read by people on call, on the console and in the audit log: one inert line. */
export const operatorReason = z.string().min(1).max(500).refine((s) => !hasUnsafeText(s), UNSAFE_TEXT_MESSAGE);

/** What a freeze (or the console's kill) names: every field given must match; none means everything. */
export const freezeScopeFields = { agent: id.optional(), owner: id.optional(), resource: id.optional(), provider: id.optional() };

/** `POST /v1/freeze`. */
export const freezeBody = z.object({ reason: operatorReason, ...freezeScopeFields }).strict();

export const FREEZE_ID = /^frz_[A-Za-z0-9_-]{8,64}$/;

/** `DELETE /v1/freeze`: all active freezes, or the one `id` names. */
export const liftFreezeQuery = z.object({ id: z.string().regex(FREEZE_ID, 'id must name a freeze (frz_…)').optional() });
