import type { RegisterRoutes } from '../env.ts';

/**
 * RFC 6749 §3.1 authorization endpoint, supporting no response type: Tollgate never authorizes
 * through a browser (agents exchange tokens at the token endpoint), so every request is answered
 * `unsupported_response_type` directly, never by redirect (§4.1.2.1: there are no registered
 * redirect URIs to trust). It exists because MCP clients (the official SDK among them) read
 * RFC 8414 metadata only when `authorization_endpoint` is present, even for the JWT bearer grant.
 */
export const registerAuthorize: RegisterRoutes = (app) => {
  const refuse = () =>
    new Response(JSON.stringify({ error: 'unsupported_response_type', error_description: 'Tollgate issues tokens only at its token endpoint (token exchange or JWT bearer)' }), {
      status: 400,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  app.get('/oauth/authorize', refuse);
  app.post('/oauth/authorize', refuse);
};
