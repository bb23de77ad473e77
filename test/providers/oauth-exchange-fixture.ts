import type { ResourceConfig } from '../../src/config/schema.ts';
import { importSealKey } from '../../src/keys/seal.ts';
import { loadKeyring } from '../../src/keys/keyring.ts';
import { createLogger } from '../../src/log.ts';
import type { ProviderContext } from '../../providers/build-providers.ts';
import { oauthExchangeProviderFactory } from '../../providers/oauth-exchange/index.ts';
import type { Provider } from '../../providers/provider.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { SEAL_KEY } from '../support/harness.ts';
import { privateSigningJwk, testIssuer } from '../support/keys.ts';
import { REPORTS, startOAuthUpstream, type OAuthUpstream } from '../upstreams/oauth/oauth-upstream.ts';
import type { ContractFixture } from './fixture.ts';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

export interface OAuthExchangeFixtureOptions {
  /** how Tollgate authenticates to the upstream (default client_secret_basic) */
  auth?: ClientAuthMethod;
  /** the provider's mode (default delegation) */
  mode?: 'delegation' | 'client_credentials';
  /** access token lifetime at the upstream, seconds (default 600) */
  upstreamTtl?: number;
  /** the provider's clock (default Date.now) */
  now?: () => number;
}

export interface OAuthExchangeFixture extends ContractFixture {
  upstream: OAuthUpstream;
  /** the provider section the fixture's provider was built from */
  config: Record<string, unknown>;
  /** another provider on the same upstream, from a changed section and context; not started */
  build(patch: (config: Record<string, unknown>) => void, ctx?: Partial<ProviderContext>): Promise<Provider>;
}

export const PROVIDER_NAME = 'reports-oauth';

/** One resource, one upstream service: actions differ by scope. */
export const REPORTS_RESOURCE: ResourceConfig = {
  id: 'oauth:reports',
  provider: PROVIDER_NAME,
  classification: 'internal',
  actions: {
    read: { scope: 'reports:read', audience: REPORTS.audience, resource: REPORTS.resource },
    write: { scope: 'reports:write', audience: REPORTS.audience, resource: REPORTS.resource },
  },
};

/**
 * The oauth-exchange provider against oidc-provider on loopback, acting for alice of a human
 * issuer both Tollgate and the upstream trust. The provider logs into `logs()`; `secrets()`
 * holds Tollgate's client credentials, the seal key, and every subject token and access token
 * the upstream has seen so far.
 */
export async function setupOAuthExchangeFixture(opts: OAuthExchangeFixtureOptions = {}): Promise<OAuthExchangeFixture> {
  const humanIssuer = await testIssuer('https://idp.example', 'idp-1');
  const upstream = await startOAuthUpstream(humanIssuer, opts.upstreamTtl ?? 600);
  const lines: string[] = [];
  const ctx = await testProviderContext(lines, opts.now);
  const config = { type: 'oauth-exchange', issuer: upstream.issuer, ...clientOf(upstream, opts.auth ?? 'client_secret_basic'), mode: opts.mode ?? 'delegation', timeout: 1 };
  const build = (patch: (c: Record<string, unknown>) => void, ctxPatch: Partial<ProviderContext> = {}) => {
    const changed = structuredClone(config) as Record<string, unknown>;
    patch(changed);
    return oauthExchangeProviderFactory(PROVIDER_NAME, changed, { ...ctx, ...ctxPatch });
  };
  const provider = await build(() => {});
  provider.checkResource?.(REPORTS_RESOURCE);
  await provider.start?.();
  const { clients } = upstream;
  return {
    provider,
    resource: REPORTS_RESOURCE,
    actions: ['read'],
    requestedTokenType: TOKEN_TYPE.accessToken,
    humanIssuer,
    upstream,
    config,
    build,
    fault: (kind) => upstream.fault(kind),
    secrets: () => [clients.basic.secret, clients.post.secret, clients.privateKeyJwt.private_jwk, JSON.parse(clients.privateKeyJwt.private_jwk).d, SEAL_KEY, ...upstream.seen()],
    logs: () => lines,
    isLive: async (c) => (await upstream.introspect(c.token)).active === true,
    teardown: () => upstream.close(),
  };
}

/** What Tollgate hands a provider factory, with the seal key the harness uses and a logger writing into `lines`. */
export async function testProviderContext(lines: string[], now: () => number = Date.now): Promise<ProviderContext> {
  return {
    keyring: await loadKeyring([{ kid: 'sig-1', alg: 'ES256', privateJwk: await privateSigningJwk('sig-1') }]),
    sealKey: await importSealKey(SEAL_KEY),
    issuer: 'https://tollgate.test',
    grantTokenAudience: 'https://tollgate.test',
    log: createLogger((line) => lines.push(line), 'debug'),
    now,
  };
}

function clientOf(upstream: OAuthUpstream, method: ClientAuthMethod) {
  const { basic, post, privateKeyJwt } = upstream.clients;
  if (method === 'client_secret_basic') return { client_id: basic.client_id, client_auth: { method, secret: basic.secret } };
  if (method === 'client_secret_post') return { client_id: post.client_id, client_auth: { method, secret: post.secret } };
  return { client_id: privateKeyJwt.client_id, client_auth: { method, private_jwk: privateKeyJwt.private_jwk } };
}
