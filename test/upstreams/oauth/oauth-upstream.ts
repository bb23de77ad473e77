import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';
import type { Fault } from '../../providers/fixture.ts';
import type { TestIssuer } from '../../support/keys.ts';
import { faultGate } from './fault-gate.ts';
import { memoryAdapter } from './memory-adapter.ts';
import { TOKEN_EXCHANGE, TOKEN_EXCHANGE_PARAMS, tokenExchangeGrant, type ResourceServer } from './token-exchange-grant.ts';

/** The service Tollgate's test resource names; Tollgate's clients may ask for its scopes. */
export const REPORTS: ResourceServer = { resource: 'https://reports.example.test/', audience: 'reports-api', scope: 'reports:read reports:write' };
/** A service Tollgate's clients are not registered for: asking for it is invalid_scope. */
export const BILLING: ResourceServer = { resource: 'https://billing.example.test/', audience: 'billing-api', scope: 'billing:read' };

/** The resource server's own registration, for RFC 7662 introspection. */
const INTROSPECTOR = 'reports-api';

export interface OAuthUpstream {
  issuer: string;
  /** Tollgate's registrations, one per client authentication method */
  clients: {
    basic: { client_id: string; secret: string };
    post: { client_id: string; secret: string };
    privateKeyJwt: { client_id: string; private_jwk: string };
  };
  /** RFC 7662 at the upstream, asked as the resource server would ask */
  introspect(token: string): Promise<Record<string, unknown>>;
  fault(kind: Fault): void;
  /** lifetime of the access tokens issued from now on */
  setTtl(seconds: number): void;
  /** every subject token received and access token issued: none may leak from Tollgate */
  seen(): string[];
  /** how many HTTP requests reached the upstream so far, faulted ones included */
  requests(): number;
  close(): Promise<void>;
}

/**
 * oidc-provider (OpenID Certified) on 127.0.0.1, port 0, as the upstream authorization server:
 * RFC 8693 token exchange trusting `human`'s tokens, client credentials, RFC 7009 revocation,
 * RFC 7662 introspection, RFC 8707 resource indicators, opaque access tokens, and a fault gate.
 */
export async function startOAuthUpstream(human: TestIssuer, ttlSeconds = 600): Promise<OAuthUpstream> {
  const gate = faultGate();
  const server = createServer(gate.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const secret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
  const clientKey = await generateKeyPair('ES256', { extractable: true });
  const signingKey = await generateKeyPair('RS256', { extractable: true });
  const clients = {
    basic: { client_id: 'tollgate-basic', secret: secret() },
    post: { client_id: 'tollgate-post', secret: secret() },
    privateKeyJwt: { client_id: 'tollgate-jwt', private_jwk: JSON.stringify({ ...(await exportJWK(clientKey.privateKey)), kid: 'tollgate-1' }) },
  };
  const introspectorSecret = secret();
  const tollgate = { grant_types: [TOKEN_EXCHANGE, 'client_credentials'], response_types: [], redirect_uris: [], scope: REPORTS.scope };
  let ttl = ttlSeconds;
  const seen = new Set<string>();

  const provider = new Provider(issuer, {
    adapter: memoryAdapter(),
    jwks: { keys: [{ ...(await exportJWK(signingKey.privateKey)), kid: 'upstream-1', alg: 'RS256', use: 'sig' }] },
    scopes: ['openid', ...REPORTS.scope.split(' '), ...BILLING.scope.split(' ')],
    clients: [
      { ...tollgate, client_id: clients.basic.client_id, client_secret: clients.basic.secret, token_endpoint_auth_method: 'client_secret_basic' },
      { ...tollgate, client_id: clients.post.client_id, client_secret: clients.post.secret, token_endpoint_auth_method: 'client_secret_post' },
      {
        ...tollgate,
        client_id: clients.privateKeyJwt.client_id,
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [{ ...(await exportJWK(clientKey.publicKey)), kid: 'tollgate-1' }] },
      },
      { client_id: INTROSPECTOR, client_secret: introspectorSecret, grant_types: [], response_types: [], redirect_uris: [] },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }) => client.clientId === INTROSPECTOR },
      revocation: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) => client.clientId === token.clientId },
      resourceIndicators: {
        enabled: true,
        // For the client credentials grant; the token exchange handler resolves its own target.
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          const s = [REPORTS, BILLING].find((r) => r.resource === indicator);
          if (!s) throw new errors.InvalidTarget('unknown resource');
          return { scope: s.scope, audience: s.audience, accessTokenFormat: 'opaque' };
        },
      },
    },
    ttl: { AccessToken: () => ttl, ClientCredentials: () => ttl },
  });
  provider.registerGrantType(
    TOKEN_EXCHANGE,
    tokenExchangeGrant(provider, {
      subject: { issuer: human.issuer, audience: 'tollgate', jwks: { keys: [human.publicJwk] } },
      resourceServers: [REPORTS, BILLING],
      onSubjectToken: (t) => seen.add(t),
    }),
    TOKEN_EXCHANGE_PARAMS,
  );
  provider.on('access_token.saved', (t) => seen.add(t.jti));
  provider.on('client_credentials.saved', (t) => seen.add(t.jti));
  gate.forwardTo(provider.callback());

  return {
    issuer,
    clients,
    async introspect(token) {
      const res = await fetch(`${issuer}/token/introspection`, {
        method: 'POST',
        headers: { authorization: `Basic ${btoa(`${INTROSPECTOR}:${introspectorSecret}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
      });
      if (res.status !== 200) throw new Error(`introspection answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    },
    fault: (kind) => gate.set(kind),
    setTtl: (seconds) => void (ttl = seconds),
    seen: () => [...seen],
    requests: () => gate.requests(),
    async close() {
      gate.set('none');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
