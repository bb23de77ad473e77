import type { Deps } from '../deps.ts';
import { GATEWAY_KEY_PREFIX, gatewayAuthenticator } from './authenticate-gateway.ts';
import { ADMIN_KEY_PREFIX, authenticateAdmin, bearerToken, verifyOrNull } from '../identity/bearer-auth.ts';
import { OAuthError } from '../lib/oauth-error.ts';

/** RFC 7523 §2.2: a JWT as client authentication. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Who asks to revoke: an agent may end only what was issued to it; gateways and admins any token. */
export type RevocationClient = { kind: 'agent'; id: string } | { kind: 'gateway' | 'admin'; id: string };

export type RevocationClientAuthenticator = (req: Request, form: ReadonlyMap<string, string>) => Promise<RevocationClient>;

/**
 * RFC 7009 §2.1: the server authenticates the client and checks the token was issued to it. An
 * agent authenticates with its workload identity, as an RFC 7523 client assertion
 * (`client_assertion_type` + `client_assertion`) or as a bearer token; a gateway with its key or
 * gateway token and an admin with the admin key or an admin token, as on their other endpoints.
 * Anything else, or no credentials at all, is `invalid_client` (401).
 */
export function revocationClientAuthenticator(deps: Deps): RevocationClientAuthenticator {
  const gateway = gatewayAuthenticator(deps);
  return async (req, form) => {
    const assertionType = form.get('client_assertion_type');
    const assertion = form.get('client_assertion');
    const bearer = bearerToken(req);
    if (assertionType !== undefined || assertion !== undefined) {
      if (bearer !== null || req.headers.has('authorization')) throw new OAuthError('invalid_request', 'use one client authentication method');
      if (assertionType !== CLIENT_ASSERTION_TYPE || !assertion) throw new OAuthError('invalid_client', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}, with a client_assertion`);
      if (assertion.length > deps.config.server.limits.max_token_bytes) throw new OAuthError('invalid_client', 'client_assertion is too large');
      return agent(assertion);
    }
    if (bearer === null) throw new OAuthError('invalid_client', 'client authentication required: the workload token the token was issued to, a gateway or an admin credential');
    if (bearer.startsWith(ADMIN_KEY_PREFIX)) return { kind: 'admin', id: await authenticateAdmin(deps, req) };
    if (bearer.startsWith(GATEWAY_KEY_PREFIX)) return { kind: 'gateway', id: await gateway(req) };
    const who = await verifyOrNull(deps, bearer, ['workload', 'gateway', 'admin']);
    if (!who) throw new OAuthError('invalid_client', 'invalid client credentials');
    if (who.kind === 'workload') return { kind: 'agent', id: who.agentId };
    return { kind: who.kind === 'gateway' ? 'gateway' : 'admin', id: who.agentId };
  };

  async function agent(token: string): Promise<RevocationClient> {
    const who = await verifyOrNull(deps, token, ['workload']);
    if (!who) throw new OAuthError('invalid_client', 'invalid client_assertion');
    return { kind: 'agent', id: who.agentId };
  }
}

/** The check RFC 7009 §2.1 asks for: was this token issued to this client? */
export function mayRevoke(client: RevocationClient, issuedTo: string): boolean {
  return client.kind !== 'agent' || client.id === issuedTo;
}
