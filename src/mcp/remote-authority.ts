import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { redeemCredential } from '../client/redeem.ts';
import { TollgateError } from '../client/errors.ts';
import { endpoint, jsonOrError, send, type Fetch } from '../client/http.ts';
import { resolveToken, type TokenInput } from '../client/token-types.ts';
import { CallRefused, type CallAuthority, type InboundGrant } from './call-authority.ts';

export interface RemoteAuthorityOptions {
  /** Tollgate's base URL */
  url: string;
  /** Tollgate's issuer (the `iss` of grant tokens); default: `url` */
  issuer?: string;
  /** the gateway's own credential: a `tgw_` key or a gateway JWT */
  credential: TokenInput;
  fetch?: Fetch;
  /** where calls refused before Tollgate was asked are recorded (Tollgate has no endpoint for them) */
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

/**
 * The gateway run apart (`tollgate mcp-gateway`), asking a remote Tollgate with the client SDK:
 * grant tokens verified against its published keys (RFC 7517), every call redeemed through
 * POST /v1/credentials (the one per-call path: checks, policy at current risk, approvals, audit),
 * listings decided by its AuthZEN PDP (policy at current risk, no side effects but an audit
 * event), liveness by RFC 7662 introspection.
 */
export function remoteAuthority(opts: RemoteAuthorityOptions): CallAuthority {
  const issuer = opts.issuer ?? opts.url.replace(/\/+$/, '');
  const f: Fetch = opts.fetch ?? ((r) => fetch(r));
  const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(endpoint(opts.url, '/.well-known/jwks.json')), {
    cooldownDuration: 30_000,
    cacheMaxAge: 300_000,
    ...(opts.fetch ? { [customFetch]: async (url: string, init: RequestInit) => f(new Request(url, init)) } : {}),
  });
  const post = async (path: string, body: string, type: string) =>
    jsonOrError(await send(f, endpoint(opts.url, path), { method: 'POST', headers: { authorization: `Bearer ${await resolveToken(opts.credential)}`, 'content-type': type, accept: 'application/json' }, body }));

  return {
    issuer,
    async verify(token) {
      try {
        const { payload: c } = await jwtVerify(token, jwks, { issuer, typ: 'at+jwt', requiredClaims: ['exp', 'sub', 'aud', 'jti'] });
        if (typeof c.grant_id !== 'string' || typeof c.client_id !== 'string' || typeof c.scope !== 'string' || typeof c.task_id !== 'string' || typeof c.aud !== 'string') return null;
        return { token, grantId: c.grant_id, agent: c.client_id, subject: c.sub!, act: c.act ?? null, taskId: c.task_id, audience: c.aud, scope: c.scope, expiresAt: c.exp! * 1000 };
      } catch (e) {
        if (e instanceof errors.JOSEError || e instanceof TypeError) return null;
        throw e;
      }
    },
    async redeem(grant, q, requestId) {
      try {
        const r = await redeemCredential({
          url: opts.url,
          gatewayCredential: opts.credential,
          grantToken: grant.token,
          action: q.action,
          resource: q.resource,
          tool: q.tool,
          argumentsDigest: q.argumentsDigest,
          ...(q.approvalId ? { approvalId: q.approvalId } : {}),
          ...(q.classification ? { classification: q.classification } : {}),
          requestId,
          fetch: f,
        });
        if (r.access_token === undefined) throw new CallRefused('server_error', "this resource's credential is not one token: it cannot be put in a header or variable");
        return { credential: r.access_token, expiresAt: Date.now() + r.expires_in * 1000 };
      } catch (e) {
        throw refusal(e);
      }
    },
    async permits(grant, qs) {
      if (qs.length === 0) return [];
      const principal = grant.subject === grant.agent ? {} : { principal: grant.subject };
      try {
        const body = {
          subject: { type: 'agent', id: grant.agent, properties: principal },
          evaluations: qs.map((q) => ({ action: { name: q.action }, resource: { type: 'tollgate_resource', id: q.resource }, context: { task_id: grant.taskId, ...(q.classification ? { classification: q.classification } : {}) } })),
        };
        const r = await post('/access/v1/evaluations', JSON.stringify(body), 'application/json');
        const out = Array.isArray(r.evaluations) ? (r.evaluations as { decision?: unknown; context?: { error?: unknown } }[]) : [];
        // Waiting for a human still counts: the tool is offered, and its call asks for the approval.
        return qs.map((_, i) => out[i]?.decision === true || out[i]?.context?.error === 'authorization_pending');
      } catch (e) {
        throw refusal(e);
      }
    },
    async refuse(grant, q, requestId) {
      // Tollgate has no endpoint for calls the gateway refused on its own (unclassified, out of
      // scope): they are logged where the gateway runs, and never reach an upstream.
      opts.log?.('mcp call refused by the gateway', { request_id: requestId, grant_id: grant.grantId, agent: grant.agent, server: q.server, tool: q.tool, action: q.action, arguments_digest: q.argumentsDigest, reason: q.reason });
    },
    async alive(grant) {
      const r = await post('/oauth/introspect', new URLSearchParams({ token: grant.token }).toString(), 'application/x-www-form-urlencoded');
      return r.active === true;
    },
    approvalUrl: (id) => `${issuer}/v1/approvals/${encodeURIComponent(id)}`,
  };
}

function refusal(e: unknown): unknown {
  if (e instanceof CallRefused) return e;
  if (!(e instanceof TollgateError)) return e;
  const status = e.status ?? 0;
  return new CallRefused(e.code, e.message, { approvalId: e.approvalId ?? null, retryable: status >= 500 || status === 0 });
}
