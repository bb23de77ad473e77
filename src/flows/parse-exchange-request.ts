import type { Limits } from '../config/schema.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { parseTokenForm, tokenForm } from '../schemas/token.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { JWT_BEARER_GRANT, type ExchangeRequest } from '../grants/exchange-request.ts';

const forms = new WeakMap<Limits, ReturnType<typeof tokenForm>>();

/**
 * The token endpoint's form, checked against its schema (schemas/token.ts: what the OpenAPI
 * document publishes), then the rules between parameters that a schema of single fields does not
 * state: which grant needs which token, and what they may not carry together.
 */
export function parseExchangeRequest(p: ReadonlyMap<string, string>, limits: Limits): ExchangeRequest {
  let schema = forms.get(limits);
  if (!schema) forms.set(limits, (schema = tokenForm(limits)));
  const f = parseTokenForm(schema, p);
  const common = {
    scope: f.scope,
    resource: f.resource ?? f.audience,
    requestedTokenType: f.requested_token_type ?? TOKEN_TYPE.jwt,
    taskId: f.task_id,
    intent: f.intent ?? '',
    requestedTtl: f.requested_ttl === undefined ? null : Number(f.requested_ttl),
    approvalId: f.approval_id ?? null,
  };
  if (f.resource !== undefined && f.audience !== undefined && f.resource !== f.audience) throw new OAuthError('invalid_target', 'resource and audience name different resources');

  if (f.grant_type === JWT_BEARER_GRANT) {
    // RFC 7523 §2.1: the workload token is the `assertion`, and it is the only identity input;
    // the token-exchange inputs are refused rather than silently ignored.
    if (!f.assertion) throw new OAuthError('invalid_request', 'assertion is required');
    for (const k of ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type'])
      if (p.has(k)) throw new OAuthError('invalid_request', `${k} is not a parameter of the JWT bearer grant`);
    return { ...common, grantType: f.grant_type, subjectToken: f.assertion, actorToken: null };
  }
  if (!f.subject_token || !f.subject_token_type) throw new OAuthError('invalid_request', 'subject_token and subject_token_type are required');
  const actorToken = f.actor_token ?? null;
  if (actorToken !== null && !f.actor_token_type) throw new OAuthError('invalid_request', 'actor_token_type is required with actor_token');
  if (actorToken === null && f.actor_token_type) throw new OAuthError('invalid_request', 'actor_token_type without actor_token');
  return { ...common, grantType: f.grant_type, subjectToken: f.subject_token, actorToken };
}
