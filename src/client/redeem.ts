import { TollgateError } from './errors.ts';
import { endpoint, jsonOrError, send, type Fetch } from './http.ts';
import { resolveToken, type TokenInput } from './token-types.ts';

export type ActionClass = 'read' | 'write' | 'delete' | 'admin';

export interface RedeemOptions {
  url: string | URL;
  /** the gateway's own credential: a `tgw_` key or a token from a trusted issuer of kind `gateway` */
  gatewayCredential: TokenInput;
  /** the agent's Tollgate grant token */
  grantToken: string;
  action: ActionClass;
  resource?: string;
  tool?: string;
  /** `sha256:<64 hex>` of the call's arguments (see sha256Digest) */
  argumentsDigest?: string;
  /** the tool's classification in the gateway's catalog: policy decides the call with it */
  classification?: string;
  /** the retry of a call that answered `authorization_pending` */
  approvalId?: string;
  requestId?: string;
  fetch?: Fetch;
  signal?: AbortSignal;
}

/** `POST /v1/credentials`'s 200, as sent. */
export interface RedeemResult {
  grant_id: string;
  task_id: string;
  action: ActionClass;
  scope: string;
  policy_ids: string[];
  issued_token_type: string;
  token_type: string;
  /** the bearer credential to inject, when it is one token */
  access_token?: string;
  /** when it is not (e.g. AWS keys) */
  credential?: Record<string, string>;
  expires_in: number;
}

const ACTIONS: readonly string[] = ['read', 'write', 'delete', 'admin'];

/**
 * A gateway's per-call redemption: the agent's grant token and the call's action in, a fresh
 * policy decision and the upstream credential to inject out. Refusals throw a TollgateError.
 */
export async function redeemCredential(opts: RedeemOptions): Promise<RedeemResult> {
  if (!ACTIONS.includes(opts.action)) throw new TollgateError('invalid_request', 'action must be read, write, delete or admin');
  const body: Record<string, string> = { token: opts.grantToken, action: opts.action };
  if (opts.resource !== undefined) body.resource = opts.resource;
  if (opts.tool !== undefined) body.tool = opts.tool;
  if (opts.argumentsDigest !== undefined) body.arguments_digest = opts.argumentsDigest;
  if (opts.approvalId !== undefined) body.approval_id = opts.approvalId;
  if (opts.classification !== undefined) body.classification = opts.classification;
  const headers: Record<string, string> = {
    authorization: `Bearer ${await resolveToken(opts.gatewayCredential)}`,
    'content-type': 'application/json',
    accept: 'application/json',
  };
  if (opts.requestId) headers['x-request-id'] = opts.requestId;
  const res = await send(opts.fetch, endpoint(opts.url, '/v1/credentials'), {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return parseRedeem(await jsonOrError(res));
}

function parseRedeem(o: Record<string, unknown>): RedeemResult {
  const bad = (what: string) => new TollgateError('invalid_response', `the credentials response has ${what}`, { status: 200 });
  const str = (k: string): string => {
    if (typeof o[k] !== 'string') throw bad(`no ${k}`);
    return o[k] as string;
  };
  if (typeof o.expires_in !== 'number' || !Number.isFinite(o.expires_in) || o.expires_in < 0) throw bad('no valid expires_in');
  const action = str('action');
  if (!ACTIONS.includes(action)) throw bad('an unknown action');
  const policyIds = Array.isArray(o.policy_ids) && o.policy_ids.every((p) => typeof p === 'string') ? (o.policy_ids as string[]) : [];
  const r: RedeemResult = {
    grant_id: str('grant_id'),
    task_id: str('task_id'),
    action: action as ActionClass,
    scope: str('scope'),
    policy_ids: policyIds,
    issued_token_type: str('issued_token_type'),
    token_type: str('token_type'),
    expires_in: o.expires_in,
  };
  if (typeof o.access_token === 'string') r.access_token = o.access_token;
  if (o.credential !== undefined) {
    const c = o.credential;
    if (typeof c !== 'object' || c === null || Array.isArray(c) || !Object.values(c).every((v) => typeof v === 'string')) throw bad('a malformed credential');
    r.credential = { ...(c as Record<string, string>) };
  }
  if (r.access_token === undefined && r.credential === undefined) throw bad('neither access_token nor credential');
  return r;
}
