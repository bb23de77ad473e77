import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import Provider, { errors, type GrantContext, type OIDCClient } from 'oidc-provider';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const SUBJECT_TOKEN_TYPES = new Set(['urn:ietf:params:oauth:token-type:jwt', ACCESS_TOKEN]);

/** The RFC 8693 request parameters the token endpoint lets through to the handler. */
export const TOKEN_EXCHANGE_PARAMS = ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type', 'requested_token_type', 'audience', 'resource', 'scope'] as const;

/** A service the upstream issues tokens for: its RFC 8707 URI, its RFC 8693 logical name, its scopes. */
export interface ResourceServer {
  resource: string;
  audience: string;
  scope: string;
}

export interface ExchangePolicy {
  /** the human identity provider whose tokens may be exchanged (Tollgate's human issuer) */
  subject: { issuer: string; audience: string; jwks: { keys: JWK[] } };
  resourceServers: readonly ResourceServer[];
  /** sees every subject token, so tests can prove none leaks from Tollgate */
  onSubjectToken(token: string): void;
}

/**
 * RFC 8693 token exchange as an upstream authorization server would run it: verify the subject
 * token against the human issuer's keys, find the target service by `resource` and/or
 * `audience`, allow only scopes both that service and the client have, and issue an opaque
 * access token for the human (so it can be introspected and revoked).
 */
export function tokenExchangeGrant(provider: Provider, policy: ExchangePolicy): (ctx: GrantContext) => Promise<void> {
  const keys = createLocalJWKSet(policy.subject.jwks);
  return async (ctx) => {
    const p = ctx.oidc.params;
    if (!p.subject_token || !p.subject_token_type) throw new errors.InvalidRequest('subject_token and subject_token_type are required');
    policy.onSubjectToken(p.subject_token);
    if (!SUBJECT_TOKEN_TYPES.has(p.subject_token_type)) throw new errors.InvalidRequest('unsupported subject_token_type');
    if (p.requested_token_type !== undefined && p.requested_token_type !== ACCESS_TOKEN) throw new errors.InvalidRequest('only access tokens are issued');
    const { payload } = await jwtVerify(p.subject_token, keys, { issuer: policy.subject.issuer, audience: policy.subject.audience, requiredClaims: ['sub'] }).catch(() => {
      throw new errors.InvalidGrant('subject_token is not a valid token of the trusted issuer');
    });
    const server = targetOf(policy.resourceServers, p.resource, p.audience);
    const token = new provider.AccessToken({ accountId: payload.sub!, client: ctx.oidc.client, scope: allowedScope(p.scope, server, ctx.oidc.client), gty: TOKEN_EXCHANGE });
    token.setAudience(server.audience);
    const value = await token.save();
    ctx.body = { access_token: value, issued_token_type: ACCESS_TOKEN, token_type: 'Bearer', expires_in: token.expiration, scope: token.scope };
  };
}

function targetOf(servers: readonly ResourceServer[], resource: string | undefined, audience: string | undefined): ResourceServer {
  const byResource = resource === undefined ? undefined : servers.find((s) => s.resource === resource);
  const byAudience = audience === undefined ? undefined : servers.find((s) => s.audience === audience);
  if ((resource !== undefined && !byResource) || (audience !== undefined && !byAudience)) throw new errors.InvalidTarget('unknown resource or audience');
  if (byResource && byAudience && byResource !== byAudience) throw new errors.InvalidTarget('resource and audience name different services');
  const server = byResource ?? byAudience;
  if (!server) throw new errors.InvalidTarget('name a resource or an audience');
  return server;
}

function allowedScope(requested: string | undefined, server: ResourceServer, client: OIDCClient): string | undefined {
  const allowed = new Set(server.scope.split(' ').filter((s) => client.scope?.split(' ').includes(s)));
  const scopes = requested?.split(' ').filter(Boolean) ?? [];
  const refused = scopes.filter((s) => !allowed.has(s));
  if (refused.length > 0) throw new errors.InvalidScope(`not available: ${refused.join(' ')}`);
  return scopes.join(' ') || undefined;
}
