import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config, ResourceConfig } from '../../src/config/schema.ts';
import { buildProviders, type ProviderContext } from '../../providers/build-providers.ts';
import { oauthExchangeProviderFactory } from '../../providers/oauth-exchange/index.ts';
import { ProviderError } from '../../providers/provider.ts';
import { freePort } from '../support/free-port.ts';
import { grantFor, type Fault } from './fixture.ts';
import { PROVIDER_NAME, REPORTS_RESOURCE, setupOAuthExchangeFixture, testProviderContext, type OAuthExchangeFixture } from './oauth-exchange-fixture.ts';

// What stops the service at start rather than failing a request later: discovery, metadata that
// does not fit the configuration, bad provider sections, bad per-action settings.
describe('oauth-exchange at start', () => {
  let f: OAuthExchangeFixture;
  let ctx: ProviderContext;
  beforeAll(async () => {
    f = await setupOAuthExchangeFixture();
    ctx = await testProviderContext([]);
  }, 60_000);
  afterAll(() => f?.teardown());
  beforeEach(() => f.upstream.fault('none'));

  const startFailure = async (patch: (c: Record<string, unknown>) => void, fetchFn?: typeof fetch) => {
    const provider = await f.build(patch, fetchFn ? { fetch: fetchFn } : {});
    return provider.start!().then(() => expect.unreachable('start should fail'), (e: unknown) => e as ProviderError);
  };
  /** An upstream whose discovery answers `metadata` (RFC 8414 path), for metadata no real server would serve. */
  const serving = (metadata: Record<string, unknown>): typeof fetch => async () => Response.json({ issuer: f.upstream.issuer, ...metadata });

  it.each<[string, Fault | 'closed port']>([
    ['nothing listens at the issuer', 'closed port'],
    ['the upstream answers 5xx', '5xx'],
    ['the upstream does not answer', 'timeout'],
  ])('discovery fails as upstream_unavailable (retryable) when %s', async (_name, kind) => {
    const issuer = kind === 'closed port' ? `http://127.0.0.1:${await freePort()}` : f.upstream.issuer;
    if (kind !== 'closed port') f.upstream.fault(kind);
    const err = await startFailure((c) => (c.issuer = issuer));
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'upstream_unavailable', retryable: true });
    expect(err.message).toMatch(/^discovery at http:\/\/127\.0\.0\.1:\d+\/: /);
  });

  it.each<[string, (c: Record<string, unknown>) => void, typeof fetch | undefined, RegExp]>([
    ['the upstream answers 4xx', () => f.upstream.fault('4xx'), undefined, /HTTP 400/],
    ['the metadata names another issuer', (c) => (c.issuer = f.upstream.issuer.replace('127.0.0.1', 'localhost')), undefined, /"issuer" property does not match/],
    ['there is no token endpoint', () => {}, serving({}), /no token_endpoint/],
    ['the token endpoint is plain http off loopback', () => {}, serving({ token_endpoint: 'http://as.example/token' }), /token_endpoint must be https/],
    ['an https issuer names a plain http endpoint, even on loopback', (c) => (c.issuer = 'https://as.example'), serving({ issuer: 'https://as.example', token_endpoint: 'http://127.0.0.1:9/token' }), /token_endpoint must be https, as the issuer is/],
    ['token exchange is not offered', () => {}, serving({ token_endpoint: 'https://as.example/token', grant_types_supported: ['client_credentials'] }), /does not list urn:ietf:params:oauth:grant-type:token-exchange/],
    ['the client authentication method is not offered', () => {}, serving({ token_endpoint: 'https://as.example/token', token_endpoint_auth_methods_supported: ['private_key_jwt'] }), /does not list client_secret_basic/],
  ])('discovery fails as misconfigured when %s', async (_name, patch, fetchFn, message) => {
    const err = await startFailure(patch, fetchFn);
    expect(err).toMatchObject({ code: 'misconfigured', retryable: false });
    expect(err.message).toMatch(message);
  });

  it('falls back to OpenID Connect Discovery without RFC 8414 metadata, all through the injected fetch (as on Workers)', async () => {
    const calls: string[] = [];
    const openIdOnly: typeof fetch = async (input, init) => {
      calls.push(String(input));
      return String(input).includes('/.well-known/oauth-authorization-server') ? new Response('not found', { status: 404 }) : fetch(input, init);
    };
    const provider = await f.build(() => {}, { fetch: openIdOnly });
    await provider.start!();
    await provider.issue({ ...request(), subjectToken: await f.humanIssuer!.mint('alice') });
    expect(calls).toEqual([`${f.upstream.issuer}/.well-known/oauth-authorization-server`, `${f.upstream.issuer}/.well-known/openid-configuration`, `${f.upstream.issuer}/token`]);
  });

  it('a provider that was not started refuses to issue', async () => {
    const provider = await f.build(() => {});
    await expect(provider.issue({ ...request(), subjectToken: 'x' })).rejects.toMatchObject({ code: 'misconfigured', message: expect.stringContaining('not started') });
  });

  const build = (raw: Record<string, unknown>, resources: ResourceConfig[] = []) =>
    buildProviders({ providers: { [PROVIDER_NAME]: raw }, resources } as unknown as Config, ctx, { 'oauth-exchange': oauthExchangeProviderFactory }).then(
      () => expect.unreachable('buildProviders should fail'),
      (e: unknown) => e as ProviderError,
    );

  it.each<[string, (c: Record<string, unknown>) => void, string]>([
    ['http off loopback', (c) => (c.issuer = 'http://as.example'), 'issuer: must be https (plain http only on loopback'],
    ['both issuer and token_endpoint', (c) => (c.token_endpoint = 'https://as.example/token'), 'issuer: give exactly one of issuer (discovery) or token_endpoint'],
    ['a revocation endpoint beside discovery', (c) => (c.revocation_endpoint = 'https://as.example/revoke'), 'revocation_endpoint: with issuer, the revocation endpoint is discovered'],
    ['an unknown mode', (c) => (c.mode = 'impersonation'), 'mode:'],
    ['a private_jwk that is not JSON', (c) => (c.client_auth = { method: 'private_key_jwt', private_jwk: '{"kty":"EC","d":"c2VjcmV0LWtleS1tYXRlcmlhbA"' }), 'client_auth.private_jwk: is not JSON'],
    ['a public key for private_key_jwt', (c) => (c.client_auth = { method: 'private_key_jwt', private_jwk: '{"kty":"EC","crv":"P-256","x":"a","y":"b"}' }), 'client_auth.private_jwk: is not a private JWK'],
  ])('a provider section with %s stops the service, naming the field', async (_name, patch, message) => {
    const raw = structuredClone(f.config);
    patch(raw);
    const err = await build(raw);
    expect(err).toMatchObject({ code: 'misconfigured' });
    expect(err.message).toContain(`providers.${PROVIDER_NAME}`);
    expect(err.message).toContain(message);
    expect(err.message).not.toContain('c2VjcmV0LWtleS1tYXRlcmlhbA');
  });

  it.each<[string, ResourceConfig['actions'], string]>([
    ['no settings', { read: {} }, 'actions.read: name at least one of scope, audience, resource'],
    ['a scope with a quote', { read: { scope: 'reports:"read' } }, 'actions.read.scope: space-separated scope tokens'],
    ['a resource with a fragment', { read: { resource: 'https://reports.example.test/#x' } }, 'actions.read.resource: an absolute URI without a fragment'],
    ['an unknown setting', { read: { scopes: 'reports:read' } }, 'actions.read: Unrecognized key'],
    ['actions naming different audiences', { read: { scope: 'a', audience: 'one' }, write: { scope: 'b', audience: 'two' } }, 'actions.write.audience: every action of one resource must name the same audience'],
    ['one action naming a resource, another none', { read: { scope: 'a', resource: 'https://reports.example.test/' }, write: { scope: 'b' } }, 'actions.write.resource: every action'],
  ])('a resource with %s stops the service, naming the field', async (_name, actions, message) => {
    const err = await build(f.config, [{ ...REPORTS_RESOURCE, actions }]);
    expect(err).toMatchObject({ code: 'misconfigured' });
    expect(err.message).toContain(`resources[0]: ${message}`);
  });
});

function request() {
  const grant = grantFor(REPORTS_RESOURCE, ['read']);
  return { grant, resource: REPORTS_RESOURCE, actions: grant.actions, expiresAt: grant.expires_at, signal: AbortSignal.timeout(5000) };
}
