import { z } from 'zod';
import { APPROVAL_ID } from '../approvals/approval.ts';
import type { Limits } from '../config/schema.ts';
import { SUPPORTED_GRANT_TYPES } from '../grants/exchange-request.ts';
import { hasUnsafeText, UNSAFE_TEXT_MESSAGE } from '../lib/unsafe-text.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { OAuthError } from '../lib/oauth-error.ts';

export const INPUT_TOKEN_TYPES = [TOKEN_TYPE.jwt, TOKEN_TYPE.idToken, TOKEN_TYPE.accessToken] as const;
const TASK_ID = /^[\x21-\x7e]+$/;
const TOKEN_FIELDS = new Set(['subject_token', 'actor_token', 'assertion']);

/**
 * `POST /oauth/token` (form-encoded): the parameters of both grants (RFC 8693 token exchange,
 * RFC 7523 JWT bearer) with this server's limits. Which of them a grant requires, and the rules
 * between them, are parseExchangeRequest's. Unknown parameters are ignored (RFC 6749 §3.1).
 */
export function tokenForm(limits: Limits) {
  const token = (name: string) => z.string().min(1, `${name} is empty`).max(limits.max_token_bytes, `${name} exceeds ${limits.max_token_bytes} bytes`).meta({ description: 'a JWT' });
  const tokenType = (name: string) => z.enum(INPUT_TOKEN_TYPES, { error: `unsupported ${name}` });
  const taskRule = `task_id must be 1-${limits.max_task_id_chars} visible ASCII characters`;
  return z
    .object({
      grant_type: z.enum(SUPPORTED_GRANT_TYPES),
      subject_token: token('subject_token').optional(),
      subject_token_type: tokenType('subject_token_type').optional(),
      actor_token: token('actor_token').optional(),
      actor_token_type: tokenType('actor_token_type').optional(),
      assertion: token('assertion').optional().meta({ description: 'JWT bearer grant: the workload token' }),
      scope: z.string().optional().meta({ description: 'space-separated `resource:action` scopes, or bare actions with `resource`' }),
      resource: z.string().optional().meta({ description: 'RFC 8707: a catalog resource, or an MCP server canonical URI' }),
      audience: z.string().optional(),
      requested_token_type: z.string().optional().meta({ description: `default ${TOKEN_TYPE.jwt} (a Tollgate grant token)` }),
      task_id: z.string({ error: 'task_id is required' }).min(1, 'task_id is required').max(limits.max_task_id_chars, taskRule).regex(TASK_ID, taskRule),
      intent: z
        .string()
        .max(limits.max_intent_chars, `intent exceeds ${limits.max_intent_chars} characters`)
        .refine((v) => !hasUnsafeText(v), `intent ${UNSAFE_TEXT_MESSAGE}`)
        .optional()
        .meta({ description: 'why, in words: one line, shown to approvers and audited' }),
      requested_ttl: z.string().regex(/^[1-9][0-9]{0,8}$/, 'requested_ttl must be a positive number of seconds').optional(),
      approval_id: z.string().regex(APPROVAL_ID, 'malformed approval_id').optional(),
    })
    .meta({ description: 'RFC 8693 token exchange or RFC 7523 JWT bearer grant parameters' });
}

export type TokenForm = z.output<ReturnType<typeof tokenForm>>;

/** The form checked against tokenForm; the first problem answers as RFC 6749 §5.2 and RFC 8693 say. */
export function parseTokenForm(schema: ReturnType<typeof tokenForm>, p: ReadonlyMap<string, string>): TokenForm {
  const raw = Object.fromEntries(p);
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  if (field === 'grant_type') throw raw.grant_type === undefined ? new OAuthError('invalid_request', 'grant_type is required') : new OAuthError('unsupported_grant_type', 'supported: token exchange and JWT bearer');
  if (TOKEN_FIELDS.has(field) && issue.code === 'too_big') throw new OAuthError('payload_too_large', issue.message);
  throw new OAuthError('invalid_request', issue.message);
}

/** `POST /oauth/introspect` (RFC 7662 §2.1). A token over the size limit is simply inactive. */
export const introspectForm = z.object({ token: z.string({ error: 'token is required' }).min(1, 'token is required'), token_type_hint: z.string().optional() });

/** `POST /oauth/revoke` (RFC 7009 §2.1), beside the client authentication (revocation-client.ts). */
export const revokeForm = z.object({
  token: z.string({ error: 'token is required' }).min(1, 'token is required'),
  token_type_hint: z.string().optional(),
  client_assertion: z.string().optional().meta({ description: 'RFC 7523 client authentication: the agent\'s workload token' }),
  client_assertion_type: z.string().optional(),
});

/** Parse a form with one of the schemas above; the first problem is `invalid_request`. */
export function parseForm<S extends z.ZodType>(schema: S, p: ReadonlyMap<string, string>): z.output<S> {
  const parsed = schema.safeParse(Object.fromEntries(p));
  if (!parsed.success) throw new OAuthError('invalid_request', parsed.error.issues[0]!.message);
  return parsed.data;
}
