import type { Deps } from '../deps.ts';
import { decideCall, perCall } from '../flows/per-call.ts';
import { perCallParts } from '../gateway/per-call-parts.ts';
import type { CredentialRequest } from '../flows/credential-request.ts';
import { liveGrant } from '../grants/live-grant.ts';
import { onHotPath } from '../grants/hot-path.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { draft } from '../audit/event.ts';
import type { ActClaim } from '../model/grant.ts';
import { CallRefused, type CallAuthority } from './call-authority.ts';
import { httpErrorOf } from '../store/http-error.ts';

/** How an MCP server's calls are named in the audit log's `gateway` field. */
export const gatewayLabel = (server: string): string => `mcp/${server}`;

/**
 * The gateway inside Tollgate: the same per-call path as POST /v1/credentials, called in process
 * (no HTTP hop, no gateway key), with its caches and audit batching shared with that route.
 */
export function localAuthority(deps: Deps): CallAuthority {
  const parts = perCallParts(deps);
  const issuer = deps.config.server.issuer;
  return {
    issuer,
    async verify(token) {
      const check = await parts.checkToken(token);
      if (check.refusal) return null;
      const c = check.claims;
      return { token, grantId: c.grant_id, agent: c.client_id, subject: c.sub, act: c.act ?? null, taskId: c.task_id, audience: c.aud, scope: c.scope, expiresAt: c.exp * 1000 };
    },
    async redeem(grant, q, requestId) {
      const call: CredentialRequest = { token: grant.token, action: q.action, resource: q.resource, tool: q.tool, argumentsDigest: q.argumentsDigest, approvalId: q.approvalId, classification: q.classification };
      try {
        const body = await onHotPath(deps, () => perCall(deps, parts, gatewayLabel(q.server), call, requestId));
        if (body.access_token === undefined) throw new CallRefused('server_error', "this resource's credential is not one token: it cannot be put in a header or variable");
        return { credential: body.access_token, expiresAt: deps.now() + body.expires_in * 1000 };
      } catch (e) {
        throw refusal(e);
      }
    },
    async permits(grant, qs) {
      return Promise.all(
        qs.map(async (q) => {
          try {
            const call: CredentialRequest = { token: grant.token, action: q.action, resource: q.resource, tool: null, argumentsDigest: null, approvalId: null, classification: q.classification };
            await decideCall(deps, parts, call);
            return true;
          } catch (e) {
            if (e instanceof OAuthError && e.status < 500) return false;
            throw refusal(e);
          }
        }),
      );
    },
    async refuse(grant, q, requestId) {
      await parts.audit(
        draft('credential.denied', deps.now(), {
          request_id: requestId,
          grant_id: grant.grantId,
          agent: grant.agent,
          principal: grant.subject === grant.agent ? null : grant.subject,
          act: (grant.act ?? null) as ActClaim | null,
          task_id: grant.taskId,
          resource: q.resource,
          scope: grant.scope,
          actions: q.action ? [q.action] : [],
          decision: 'deny',
          reason: q.reason.slice(0, 512),
          detail: { gateway: gatewayLabel(q.server), tool: q.tool, ...(q.argumentsDigest ? { arguments_digest: q.argumentsDigest } : {}) },
        }),
      );
    },
    async alive(grant) {
      return (await liveGrant(deps.store, grant.grantId, deps.now())) !== null;
    },
    approvalUrl: (id) => `${issuer.replace(/\/+$/, '')}/v1/approvals/${encodeURIComponent(id)}`,
  };
}

function refusal(thrown: unknown): unknown {
  const e = httpErrorOf(thrown);
  if (!e) return thrown;
  return new CallRefused(e.code, e.message, { approvalId: e.extra.approval_id ?? null, retryable: e.status >= 500 });
}
