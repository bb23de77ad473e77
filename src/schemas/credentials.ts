import { z } from 'zod';
import { APPROVAL_ID } from '../approvals/approval.ts';
import type { Limits } from '../config/schema.ts';
import { ACTION_CLASSES } from '../model/action-class.ts';
import { hasUnsafeText } from '../lib/unsafe-text.ts';

const CLASSIFICATION = /^[\x21-\x7e]{1,64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const RESOURCE = /^[A-Za-z0-9][A-Za-z0-9._/-]*(:[A-Za-z0-9._/-]+)*$/;

const optional = (_name: string, s: z.ZodType<string>) => s.nullish().meta({ description: 'optional; null is the same as absent' });

/** `POST /v1/credentials`: one gateway call. Unknown fields are refused. */
export function credentialBody(limits: Limits) {
  const malformed = (name: string) => `${name} is malformed or too long`;
  return z
    .object({
      token: z.string({ error: 'token is required' }).min(1, 'token is required').max(limits.max_token_bytes, 'token is too large').meta({ description: "the agent's Tollgate grant token" }),
      action: z.enum(ACTION_CLASSES, { error: 'action must be one of read, write, delete, admin' }).meta({ description: "the call's action class" }),
      resource: optional('resource', z.string().max(256, malformed('resource')).regex(RESOURCE, malformed('resource'))),
      tool: optional('tool', z.string().max(256, malformed('tool')).refine((v) => !hasUnsafeText(v), malformed('tool'))),
      arguments_digest: optional('arguments_digest', z.string().regex(DIGEST, malformed('arguments_digest'))),
      approval_id: optional('approval_id', z.string().regex(APPROVAL_ID, malformed('approval_id'))),
      classification: optional('classification', z.string().regex(CLASSIFICATION, malformed('classification'))),
    })
    .strict();
}
