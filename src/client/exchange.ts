import { TollgateError } from './errors.ts';
import { endpoint, jsonOrError, send, type Fetch } from './http.ts';
import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPES, resolveToken, type TokenInput } from './token-types.ts';
import { waitForDecision, type WaitForApproval } from './wait-for-approval.ts';

export interface ExchangeOptions {
  /** Tollgate's base URL, e.g. https://tollgate.example.com */
  url: string | URL;
  /** the agent's workload token, or the human's token when the agent acts for one (then `actorToken` is the agent's) */
  subjectToken: TokenInput;
  subjectTokenType?: string;
  actorToken?: TokenInput;
  actorTokenType?: string;
  /** `resource:action` scopes; with `resource`, bare actions (`read`) */
  scope?: string | readonly string[];
  resource?: string;
  taskId: string;
  /** why the agent asks; audited and shown to approvers */
  intent?: string;
  /** seconds; Tollgate may grant less */
  requestedTtl?: number;
  /** default: a Tollgate grant token; or TOKEN_TYPES.awsCredentials, .vaultToken, .secret, .accessToken */
  requestedTokenType?: string;
  /** the retry of a request that answered `authorization_pending` */
  approvalId?: string;
  /** sent as X-Request-Id, so Tollgate's audit events carry it */
  requestId?: string;
  fetch?: Fetch;
  signal?: AbortSignal;
}

/** The token endpoint's 200 (RFC 8693 §2.2.1 plus Tollgate's fields), as sent. */
export interface ExchangeResult {
  access_token: string;
  issued_token_type: string;
  token_type: string;
  expires_in: number;
  scope: string;
  grant_id: string;
  task_id: string;
  /** where the credential is not one bearer token, e.g. AWS `access_key_id`, `secret_access_key`, `session_token`, `expiration` */
  credential?: Record<string, string>;
}

export interface ExchangeBehaviour {
  /** On `authorization_pending`, wait for the human's decision and retry with the approval_id. */
  waitForApproval?: WaitForApproval;
}

/**
 * RFC 8693 token exchange at `${url}/oauth/token`. Refusals throw a TollgateError with the OAuth
 * error code; `authorization_pending` carries `approvalId`, and with `waitForApproval` the
 * exchange waits (up to `timeoutMs`) for the decision and retries with it.
 */
export async function exchange(opts: ExchangeOptions, behaviour: ExchangeBehaviour = {}): Promise<ExchangeResult> {
  const wait = behaviour.waitForApproval;
  if (!wait) return exchangeOnce(opts);
  const now = wait.now ?? Date.now;
  const deadline = now() + wait.timeoutMs;
  let approvalId = opts.approvalId;
  let intervalMs = wait.intervalMs ?? 5000;
  for (;;) {
    try {
      return await exchangeOnce(approvalId ? { ...opts, approvalId } : opts);
    } catch (e) {
      if (!(e instanceof TollgateError)) throw e;
      // RFC 8628 §3.5: slow_down adds five seconds to the interval for this and later waits.
      if (e.code === 'slow_down') intervalMs += 5000;
      else if (e.code === 'authorization_pending' && e.approvalId) approvalId = e.approvalId;
      else throw e;
      if (!approvalId || now() >= deadline) throw e;
      await waitForDecision({
        url: opts.url,
        approvalId,
        token: opts.actorToken ?? opts.subjectToken,
        until: deadline,
        intervalMs,
        now,
        ...(wait.sleep ? { sleep: wait.sleep } : {}),
        ...(wait.longPollSeconds !== undefined ? { longPollSeconds: wait.longPollSeconds } : {}),
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      wait.onPending?.(approvalId);
    }
  }
}

async function exchangeOnce(opts: ExchangeOptions): Promise<ExchangeResult> {
  if (!opts.taskId) throw new TollgateError('invalid_request', 'taskId is required');
  const scope = typeof opts.scope === 'string' ? opts.scope : opts.scope?.join(' ');
  if (!scope && !opts.resource) throw new TollgateError('invalid_request', 'scope or resource is required');
  const form = new URLSearchParams({
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: await resolveToken(opts.subjectToken),
    subject_token_type: opts.subjectTokenType ?? TOKEN_TYPES.jwt,
    task_id: opts.taskId,
  });
  if (opts.actorToken !== undefined) {
    form.set('actor_token', await resolveToken(opts.actorToken));
    form.set('actor_token_type', opts.actorTokenType ?? TOKEN_TYPES.jwt);
  }
  if (scope) form.set('scope', scope);
  if (opts.resource) form.set('resource', opts.resource);
  if (opts.intent) form.set('intent', opts.intent);
  if (opts.requestedTtl !== undefined) form.set('requested_ttl', String(opts.requestedTtl));
  if (opts.requestedTokenType) form.set('requested_token_type', opts.requestedTokenType);
  if (opts.approvalId) form.set('approval_id', opts.approvalId);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (opts.requestId) headers['x-request-id'] = opts.requestId;
  const res = await send(opts.fetch, endpoint(opts.url, '/oauth/token'), {
    method: 'POST',
    headers,
    body: form.toString(),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return parseResult(await jsonOrError(res));
}

function parseResult(o: Record<string, unknown>): ExchangeResult {
  const str = (k: string): string => {
    const v = o[k];
    if (typeof v !== 'string') throw new TollgateError('invalid_response', `the token response has no ${k}`, { status: 200 });
    return v;
  };
  const expiresIn = o.expires_in;
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < 0)
    throw new TollgateError('invalid_response', 'the token response has no valid expires_in', { status: 200 });
  const result: ExchangeResult = {
    access_token: str('access_token'),
    issued_token_type: str('issued_token_type'),
    token_type: str('token_type'),
    expires_in: expiresIn,
    scope: str('scope'),
    grant_id: str('grant_id'),
    task_id: str('task_id'),
  };
  if (o.credential !== undefined) {
    const c = o.credential;
    if (typeof c !== 'object' || c === null || Array.isArray(c) || !Object.values(c).every((v) => typeof v === 'string'))
      throw new TollgateError('invalid_response', 'the token response has a malformed credential', { status: 200 });
    result.credential = { ...(c as Record<string, string>) };
  }
  return result;
}
