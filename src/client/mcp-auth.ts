import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { resolveToken, type TokenInput } from './token-types.ts';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface WorkloadAuthOptions {
  /** the agent's workload token (JWT-SVID or OIDC), or a function that returns a current one */
  assertion: TokenInput;
  /** the task the grant serves (Tollgate requires it) */
  taskId: string;
  /** what to ask for: bare action classes (`read write`) or full scopes; policy may grant less */
  scope: string;
  intent?: string;
  /** the client_id the token endpoint is told (Tollgate identifies the agent by its assertion) */
  clientId?: string;
}

/**
 * An MCP SDK OAuthClientProvider for agents with a workload identity: when an MCP server behind
 * Tollgate answers 401, the SDK follows the challenge to the server's RFC 9728 metadata and
 * Tollgate's RFC 8414 metadata, then calls `prepareTokenRequest` for an RFC 7523 JWT bearer
 * grant with the server's canonical URI as `resource` (RFC 8707), and retries with the grant
 * token. No browser, no redirect, no client registration. Tokens live in memory only.
 */
export function workloadAuthProvider(opts: WorkloadAuthOptions): OAuthClientProvider {
  let tokens: OAuthTokens | undefined;
  let client: OAuthClientInformationMixed = { client_id: opts.clientId ?? 'tollgate-mcp-client' };
  const metadata: OAuthClientMetadata = {
    client_name: 'Tollgate workload MCP client',
    redirect_uris: [],
    grant_types: [JWT_BEARER_GRANT],
    token_endpoint_auth_method: 'none',
    scope: opts.scope,
  };
  return {
    get redirectUrl() {
      return undefined; // non-interactive: the SDK asks prepareTokenRequest instead of redirecting
    },
    get clientMetadata() {
      return metadata;
    },
    clientInformation: () => client,
    saveClientInformation: (c) => {
      client = c;
    },
    tokens: () => tokens,
    saveTokens: (t) => {
      tokens = t;
    },
    redirectToAuthorization: () => {
      throw new Error('a workload client never redirects to an authorization endpoint');
    },
    saveCodeVerifier: () => undefined,
    codeVerifier: () => {
      throw new Error('a workload client has no code verifier');
    },
    async prepareTokenRequest() {
      const p = new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: await resolveToken(opts.assertion), scope: opts.scope, task_id: opts.taskId });
      if (opts.intent) p.set('intent', opts.intent);
      return p;
    },
  };
}
