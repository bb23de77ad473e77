import type { RegisterRoutes } from '../env.ts';
import { SUPPORTED_GRANT_TYPES } from '../../grants/exchange-request.ts';

/** RFC 8414 metadata and the RFC 7517 key set. Both are public and cacheable. */
export const registerWellKnown: RegisterRoutes = (app, deps) => {
  const issuer = deps.config.server.issuer.replace(/\/$/, '');
  const metadata = {
    issuer: deps.config.server.issuer,
    // Answers unsupported_response_type to everything (routes/authorize.ts); listed because MCP clients require it.
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    grant_types_supported: [...SUPPORTED_GRANT_TYPES],
    // The authorization endpoint never sends an authorization response (it supports no response
    // type and never redirects), so RFC 9207's parameter has nothing to apply to: false.
    authorization_response_iss_parameter_supported: false,
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    introspection_endpoint_auth_methods_supported: ['bearer'],
    scopes_supported: deps.config.resources.flatMap((r) => Object.keys(r.actions).map((a) => `${r.id}:${a}`)),
    response_types_supported: [],
  };
  app.get('/.well-known/oauth-authorization-server', (c) => c.json(metadata, 200, { 'cache-control': 'public, max-age=300' }));
  app.get('/.well-known/jwks.json', (c) => c.json(deps.keyring.jwks, 200, { 'cache-control': 'public, max-age=300' }));
};
