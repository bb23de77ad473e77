import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface SingleSignOn {
  issuer: string;
  client: { client_id: string; client_secret: string };
  close(): Promise<void>;
}

/**
 * The people's identity provider: oidc-provider (OpenID Certified) on 127.0.0.1 with its dev
 * login page, which signs anyone in under the login name typed. Authorization code with PKCE,
 * ID tokens RS256, the console registered as a confidential client whose only redirect URI is
 * the console's callback. Consent is taken as given (a first-party client).
 */
export async function startSingleSignOn(consoleCallback: string): Promise<SingleSignOn> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const client = { client_id: 'tollgate-console', client_secret: Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url') };
  const provider = new Provider(issuer, {
    adapter: codeFlowAdapter(),
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'sso-1', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')] },
    clients: [{ ...client, redirect_uris: [consoleCallback], response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic' }],
    scopes: ['openid', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    async findAccount(_ctx: unknown, id: string) {
      return { accountId: id, claims: async () => ({ sub: id, email: `${id}@example.test`, email_verified: true }) };
    },
    // A first-party client: the person is not asked to consent to the console's scopes.
    async loadExistingGrant(ctx: any) {
      const existing = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    client,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Payload = Record<string, unknown> & { uid?: string; grantId?: string; consumed?: number };

/**
 * Where the provider keeps sessions, interactions, codes and grants: in memory, with what the
 * code flow needs beyond store/find/destroy (a code is consumed once; sessions are found by uid).
 * oidc-provider checks expiry itself on every find.
 */
function codeFlowAdapter() {
  const rows = new Map<string, Payload>();
  return (model: string) => ({
    async upsert(id: string, payload: Payload) {
      rows.set(`${model}:${id}`, { ...payload });
    },
    async find(id: string) {
      return rows.get(`${model}:${id}`);
    },
    async findByUid(uid: string) {
      for (const [k, v] of rows) if (k.startsWith(`${model}:`) && v.uid === uid) return v;
      return undefined;
    },
    async consume(id: string) {
      const row = rows.get(`${model}:${id}`);
      if (row) row.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id: string) {
      rows.delete(`${model}:${id}`);
    },
    async revokeByGrantId(grantId: string) {
      for (const [k, v] of rows) if (v.grantId === grantId) rows.delete(k);
    },
  });
}
