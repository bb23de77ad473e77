import type { Context, Env, MiddlewareHandler } from 'hono';
import { TollgateError, type TollgateErrorCode } from './errors.ts';
import type { Fetch } from './http.ts';
import { redeemCredential, type ActionClass, type RedeemResult } from './redeem.ts';
import type { TokenInput } from './token-types.ts';

/** What the middleware puts on the context for the handler to inject upstream. */
export interface GatewayCredential {
  grantId: string;
  taskId: string;
  action: ActionClass;
  scope: string;
  policyIds: string[];
  issuedTokenType: string;
  tokenType: string;
  /** the bearer credential to inject, when it is one token */
  accessToken?: string;
  /** when it is not (e.g. AWS keys) */
  credential?: Record<string, string>;
  /** epoch ms after which it must not be used */
  expiresAt: number;
}

export type TollgateGatewayVariables = { tollgateCredential: GatewayCredential };
/** `new Hono<TollgateGatewayEnv>()`, or add `TollgateGatewayVariables` to your own Variables. */
export type TollgateGatewayEnv = { Variables: TollgateGatewayVariables };

type FromContext<E extends Env, T> = T | ((c: Context<E>) => T | Promise<T>);

export interface TollgateGatewayOptions<E extends Env> {
  url: string | URL;
  /** a `tgw_` key whose SHA-256 Tollgate lists in `trust.gateway_key_hashes` */
  gatewayKey?: string;
  /** or a token of a trusted issuer of kind `gateway`, fetched fresh per call (cache it yourself) */
  gatewayToken?: () => string | Promise<string>;
  /** the action class of this call */
  action: FromContext<E, ActionClass>;
  /** the catalog resource the call touches; Tollgate refuses a grant for another one */
  resource?: FromContext<E, string | undefined>;
  /** the tool's name, audited (≤ 256 characters) */
  tool?: FromContext<E, string | undefined>;
  /** `sha256:<hex>` of the call's arguments, audited and shown to approvers (see sha256Digest) */
  argumentsDigest?: (c: Context<E>) => Promise<string | undefined>;
  /** the approval a retried call brings; default: the `Tollgate-Approval-Id` request header */
  approvalId?: (c: Context<E>) => string | undefined;
  /** told about every call the middleware answered itself, e.g. to log `e.code` */
  onRefusal?: (e: TollgateError, c: Context<E>) => void;
  realm?: string;
  fetch?: Fetch;
  now?: () => number;
}

/** Grant tokens are a few hundred bytes; Tollgate refuses tokens over its `max_token_bytes` too. */
const ACTIONS: readonly string[] = ['read', 'write', 'delete', 'admin'];
const MAX_GRANT_TOKEN = 16 * 1024;
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Hono middleware for a gateway in front of tools: every call redeems the agent's grant token
 * (`Authorization: Bearer`) at `POST /v1/credentials` for this call's action, so policy and
 * revocation bite per call. On success `c.get('tollgateCredential')` holds the upstream
 * credential; otherwise the middleware answers itself and the handler never runs:
 * 401 (no or a dead grant token, RFC 6750 `invalid_token`), 403 (`insufficient_scope`,
 * `access_denied`, `authorization_pending` with `approval_id`), 400 (`invalid_request`),
 * 503 (Tollgate unreachable or refusing the gateway itself).
 */
export function tollgateGateway<E extends Env = TollgateGatewayEnv>(opts: TollgateGatewayOptions<E>): MiddlewareHandler<E> {
  const gatewayCredential: TokenInput | undefined = opts.gatewayKey ?? opts.gatewayToken;
  if (gatewayCredential === undefined) throw new TypeError('tollgateGateway needs gatewayKey or gatewayToken');
  const realm = (opts.realm ?? 'tollgate').replace(/["\\]/g, '');
  const now = opts.now ?? Date.now;

  return async (c, next) => {
    const m = BEARER.exec(c.req.header('authorization') ?? '');
    if (!m || m[1]!.length > MAX_GRANT_TOKEN) {
      const e = new TollgateError('invalid_token', 'a Tollgate grant token is required (Authorization: Bearer)', { status: 401 });
      opts.onRefusal?.(e, c);
      // RFC 6750 §3.1: a request without credentials gets the challenge without an error code.
      return answer(c, 401, { error: 'invalid_token', error_description: e.description }, `Bearer realm="${realm}"`);
    }
    const action = await valueOf(opts.action, c);
    // A wrong action is the gateway's own bug: it goes to the app's error handler, not to the agent.
    if (action === undefined || !ACTIONS.includes(action)) throw new TypeError(`tollgateGateway: action must be one of ${ACTIONS.join(', ')}`);
    const resource = await valueOf(opts.resource, c);
    const tool = await valueOf(opts.tool, c);
    const argumentsDigest = await opts.argumentsDigest?.(c);
    const approvalId = opts.approvalId ? opts.approvalId(c) : c.req.header('tollgate-approval-id');
    const sentAt = now();
    let r: RedeemResult;
    try {
      r = await redeemCredential({
        url: opts.url,
        gatewayCredential,
        grantToken: m[1]!,
        action,
        ...(resource !== undefined ? { resource } : {}),
        ...(tool !== undefined ? { tool } : {}),
        ...(argumentsDigest !== undefined ? { argumentsDigest } : {}),
        ...(approvalId ? { approvalId } : {}),
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        signal: c.req.raw.signal,
      });
    } catch (e) {
      if (!(e instanceof TollgateError)) throw e;
      opts.onRefusal?.(e, c);
      return refusal(c, e, realm);
    }
    const credential: GatewayCredential = {
      grantId: r.grant_id,
      taskId: r.task_id,
      action: r.action,
      scope: r.scope,
      policyIds: r.policy_ids,
      issuedTokenType: r.issued_token_type,
      tokenType: r.token_type,
      ...(r.access_token !== undefined ? { accessToken: r.access_token } : {}),
      ...(r.credential !== undefined ? { credential: r.credential } : {}),
      expiresAt: sentAt + r.expires_in * 1000,
    };
    (c as unknown as Context<TollgateGatewayEnv>).set('tollgateCredential', credential);
    await next();
  };
}

async function valueOf<E extends Env, T>(v: FromContext<E, T> | undefined, c: Context<E>): Promise<T | undefined> {
  return typeof v === 'function' ? await (v as (c: Context<E>) => T | Promise<T>)(c) : v;
}

const FORBIDDEN: readonly TollgateErrorCode[] = ['insufficient_scope', 'access_denied', 'authorization_pending', 'expired_token'];

/** Tollgate's refusal, as the agent should see it. Problems between gateway and Tollgate are the gateway's: 503. */
function refusal(c: Context, e: TollgateError, realm: string): Response {
  const body = (error: string) => ({ error, error_description: e.description });
  if (e.code === 'invalid_grant' || e.code === 'payload_too_large')
    return answer(c, 401, body('invalid_token'), `Bearer realm="${realm}", error="invalid_token", error_description="${quoted(e.description)}"`);
  if (e.code === 'insufficient_scope') return answer(c, 403, body('insufficient_scope'), `Bearer realm="${realm}", error="insufficient_scope"`);
  if (FORBIDDEN.includes(e.code)) return answer(c, 403, { ...body(e.code), ...(e.approvalId ? { approval_id: e.approvalId } : {}) });
  if (e.code === 'invalid_request') return answer(c, 400, body('invalid_request'));
  const headers = { 'retry-after': String(e.retryAfter ?? 5) };
  return answer(c, 503, { error: 'temporarily_unavailable', error_description: 'credentials are unavailable right now; nothing was done' }, undefined, headers);
}

function answer(c: Context, status: 400 | 401 | 403 | 503, body: Record<string, string>, challenge?: string, extra: Record<string, string> = {}): Response {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...extra };
  if (challenge) headers['www-authenticate'] = challenge;
  return c.json(body, status, headers);
}

// RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E.
function quoted(s: string): string {
  return s.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
}
