import { APPROVAL_ID } from '../approvals/approval.ts';
import type { Limits } from '../config/schema.ts';
import { OAuthError } from '../http/oauth-error.ts';
import { hasUnsafeText, UNSAFE_TEXT_MESSAGE } from '../lib/unsafe-text.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 7523 §2.1: a workload's JWT as `assertion` (MCP workload identity federation). */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const SUPPORTED_GRANT_TYPES = [TOKEN_EXCHANGE_GRANT, JWT_BEARER_GRANT] as const;
const INPUT_TOKEN_TYPES: readonly string[] = [TOKEN_TYPE.jwt, TOKEN_TYPE.idToken, TOKEN_TYPE.accessToken];
const TASK_ID = /^[\x21-\x7e]+$/;

/** The validated parameters of an RFC 8693 request. */
export interface ExchangeRequest {
  /** which grant carried the request: the flow is the same, only the input's name and error codes differ */
  grantType: (typeof SUPPORTED_GRANT_TYPES)[number];
  subjectToken: string;
  actorToken: string | null;
  scope: string | undefined;
  resource: string | undefined;
  requestedTokenType: string;
  taskId: string;
  intent: string;
  requestedTtl: number | null;
  approvalId: string | null;
}

export function parseExchangeRequest(p: ReadonlyMap<string, string>, limits: Limits): ExchangeRequest {
  const grantType = p.get('grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
  if (grantType === JWT_BEARER_GRANT) return { ...parseCommon(p, limits), grantType, subjectToken: parseAssertion(p, limits), actorToken: null };
  if (grantType !== TOKEN_EXCHANGE_GRANT) throw new OAuthError('unsupported_grant_type', 'supported: token exchange and JWT bearer');

  const subjectToken = p.get('subject_token');
  const subjectType = p.get('subject_token_type');
  if (!subjectToken || !subjectType) throw new OAuthError('invalid_request', 'subject_token and subject_token_type are required');
  if (!INPUT_TOKEN_TYPES.includes(subjectType)) throw new OAuthError('invalid_request', 'unsupported subject_token_type');
  checkTokenSize(subjectToken, 'subject_token', limits.max_token_bytes);

  const actorToken = p.get('actor_token') ?? null;
  const actorType = p.get('actor_token_type');
  if (actorToken !== null && !actorType) throw new OAuthError('invalid_request', 'actor_token_type is required with actor_token');
  if (actorToken === null && actorType) throw new OAuthError('invalid_request', 'actor_token_type without actor_token');
  if (actorToken !== null) {
    if (!INPUT_TOKEN_TYPES.includes(actorType!)) throw new OAuthError('invalid_request', 'unsupported actor_token_type');
    checkTokenSize(actorToken, 'actor_token', limits.max_token_bytes);
  }
  return { ...parseCommon(p, limits), grantType, subjectToken, actorToken };
}

/**
 * RFC 7523 §2.1: the workload token is the `assertion`, and it is the only identity input; the
 * token-exchange inputs are refused rather than silently ignored.
 */
function parseAssertion(p: ReadonlyMap<string, string>, limits: Limits): string {
  const assertion = p.get('assertion');
  if (!assertion) throw new OAuthError('invalid_request', 'assertion is required');
  for (const k of ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type'])
    if (p.has(k)) throw new OAuthError('invalid_request', `${k} is not a parameter of the JWT bearer grant`);
  checkTokenSize(assertion, 'assertion', limits.max_token_bytes);
  return assertion;
}

/** The parameters both grants share: task, intent, TTL, resource, approval. */
function parseCommon(p: ReadonlyMap<string, string>, limits: Limits): Omit<ExchangeRequest, 'grantType' | 'subjectToken' | 'actorToken'> {
  const taskId = p.get('task_id');
  if (!taskId) throw new OAuthError('invalid_request', 'task_id is required');
  if (taskId.length > limits.max_task_id_chars || !TASK_ID.test(taskId))
    throw new OAuthError('invalid_request', `task_id must be 1-${limits.max_task_id_chars} visible ASCII characters`);

  const intent = p.get('intent') ?? '';
  if (intent.length > limits.max_intent_chars) throw new OAuthError('invalid_request', `intent exceeds ${limits.max_intent_chars} characters`);
  // A person reads the intent when approving: one line, nothing that moves, hides or reorders text.
  if (hasUnsafeText(intent)) throw new OAuthError('invalid_request', `intent ${UNSAFE_TEXT_MESSAGE}`);

  const ttlText = p.get('requested_ttl');
  let requestedTtl: number | null = null;
  if (ttlText !== undefined) {
    if (!/^[1-9][0-9]{0,8}$/.test(ttlText)) throw new OAuthError('invalid_request', 'requested_ttl must be a positive number of seconds');
    requestedTtl = Number(ttlText);
  }

  const resource = p.get('resource') ?? p.get('audience');
  if (p.has('resource') && p.has('audience') && p.get('resource') !== p.get('audience'))
    throw new OAuthError('invalid_target', 'resource and audience name different resources');

  const approvalId = p.get('approval_id') ?? null;
  if (approvalId !== null && !APPROVAL_ID.test(approvalId)) throw new OAuthError('invalid_request', 'malformed approval_id');

  return {
    scope: p.get('scope'),
    resource,
    requestedTokenType: p.get('requested_token_type') ?? TOKEN_TYPE.jwt,
    taskId,
    intent,
    requestedTtl,
    approvalId,
  };
}

function checkTokenSize(token: string, name: string, max: number): void {
  if (token.length > max) throw new OAuthError('payload_too_large', `${name} exceeds ${max} bytes`);
}
