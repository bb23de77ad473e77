import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActionClass } from '../../src/model/action-class.ts';
import type { ProviderContext } from '../../providers/build-providers.ts';
import { ProviderError, type Provider } from '../../providers/provider.ts';
import { privateSigningJwk } from '../support/keys.ts';
import { BILLING, REPORTS } from '../upstreams/oauth/oauth-upstream.ts';
import { exchangeHarness, exchangeParams, expectNoSecret, grantFor, providerContract, type Fault } from './contract.ts';
import { REPORTS_RESOURCE, setupOAuthExchangeFixture, type ClientAuthMethod, type OAuthExchangeFixture } from './oauth-exchange-fixture.ts';

// The contract runs in client_credentials mode: its "failing upstream answers 503" exchange is
// an autonomous agent's, which a delegation provider refuses before calling the upstream. The
// delegation mode's share of the contract is in the block below.
providerContract({
  name: 'oauth-exchange (client_credentials)',
  revocable: true,
  hasUpstream: true,
  timeoutMs: 5000,
  setup: () => setupOAuthExchangeFixture({ mode: 'client_credentials' }),
});

describe('oauth-exchange against oidc-provider', () => {
  let f: OAuthExchangeFixture;
  const clock = { now: 0 };
  beforeAll(async () => {
    f = await setupOAuthExchangeFixture({ now: () => clock.now });
  }, 60_000);
  afterAll(() => f?.teardown());
  beforeEach(() => {
    clock.now = Date.now();
    f.upstream.fault('none');
    f.upstream.setTtl(600);
  });

  const issue = async (opts: { provider?: Provider; actions?: ActionClass[]; ttlMs?: number; subjectToken?: string | null; resource?: typeof REPORTS_RESOURCE } = {}) => {
    const resource = opts.resource ?? REPORTS_RESOURCE;
    const actions = opts.actions ?? ['read'];
    const grant = grantFor(resource, actions, opts.ttlMs, clock.now);
    const subjectToken = opts.subjectToken === undefined ? await f.humanIssuer!.mint('alice') : opts.subjectToken;
    const c = await (opts.provider ?? f.provider).issue({ grant, resource, actions, expiresAt: grant.expires_at, signal: AbortSignal.timeout(5000), subjectToken });
    return { grant, c };
  };
  const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable('expected a ProviderError'), (e: unknown) => e as ProviderError);
  const started = async (patch: (c: Record<string, unknown>) => void, ctx: Partial<ProviderContext> = {}) => {
    const p = await f.build(patch, ctx);
    await p.start!();
    return p;
  };

  it("issues alice's own token, limited to the granted actions' scopes and the resource's audience", async () => {
    const { c } = await issue({ actions: ['read', 'write'] });
    const info = await f.upstream.introspect(c.token);
    expect(info).toMatchObject({ active: true, sub: 'alice', client_id: 'tollgate-basic', aud: REPORTS.audience, scope: 'reports:read reports:write' });
  });

  it.each<[ClientAuthMethod, string]>([
    ['client_secret_basic', 'tollgate-basic'],
    ['client_secret_post', 'tollgate-post'],
    ['private_key_jwt', 'tollgate-jwt'],
  ])('authenticates with %s', async (method, clientId) => {
    const clients = f.upstream.clients;
    const auth = {
      client_secret_basic: { client_id: clients.basic.client_id, client_auth: { method, secret: clients.basic.secret } },
      client_secret_post: { client_id: clients.post.client_id, client_auth: { method, secret: clients.post.secret } },
      private_key_jwt: { client_id: clients.privateKeyJwt.client_id, client_auth: { method, private_jwk: clients.privateKeyJwt.private_jwk } },
    }[method];
    const provider = await started((c) => Object.assign(c, auth));
    const { grant, c } = await issue({ provider });
    expect(await f.upstream.introspect(c.token)).toMatchObject({ active: true, sub: 'alice', client_id: clientId });
    await provider.revoke!(c.lease, grant);
    expect(await f.isLive!(c)).toBe(false);
  });

  it.each<[string, (c: Record<string, unknown>) => void]>([
    ['a wrong client secret (basic)', (c) => (c.client_auth = { method: 'client_secret_basic', secret: 'wrong-secret-0123456789' })],
    ['a wrong client secret (post)', (c) => Object.assign(c, { client_id: 'tollgate-post', client_auth: { method: 'client_secret_post', secret: 'wrong-secret-0123456789' } })],
  ])('%s is a permanent error that quotes no secret', async (_name, patch) => {
    const provider = await started(patch);
    const err = await failure(issue({ provider }));
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'upstream_refused', retryable: false });
    expect(err.message).toContain('invalid_client');
    expectNoSecret(err.message, [...f.secrets(), 'wrong-secret-0123456789']);
  });

  it('a private_key_jwt client signing with an unregistered key is refused', async () => {
    const stranger = JSON.stringify(await privateSigningJwk('tollgate-1'));
    const provider = await started((c) => Object.assign(c, { client_id: 'tollgate-jwt', client_auth: { method: 'private_key_jwt', private_jwk: stranger } }));
    expect(await failure(issue({ provider }))).toMatchObject({ code: 'upstream_refused', retryable: false });
  });

  it.each<[Fault, boolean]>([
    ['timeout', true],
    ['5xx', true],
    ['4xx', false],
  ])('an upstream %s makes the exchange fail with retryable=%s, quoting no secret', async (kind, retryable) => {
    f.upstream.fault(kind);
    const err = await failure(issue());
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.retryable).toBe(retryable);
    expectNoSecret(err.message, f.secrets());
  });

  it('revoking an unknown lease, or none, succeeds without asking the upstream', async () => {
    f.upstream.fault('5xx'); // had it asked, the revocation would fail
    const grant = grantFor(REPORTS_RESOURCE, ['read']);
    const before = f.upstream.requests();
    await expect(f.provider.revoke!('unknown-lease-' + grant.id, grant)).resolves.toBeUndefined();
    await expect(f.provider.revoke!(null, grant)).resolves.toBeUndefined();
    expect(f.upstream.requests()).toBe(before);
  });

  it("delegation without the human's token is a permanent error that says why, and nothing reaches the upstream", async () => {
    const before = f.upstream.seen().length;
    const err = await failure(issue({ subjectToken: null }));
    expect(err).toMatchObject({ code: 'misconfigured', retryable: false });
    expect(err.message).toMatch(/delegation.*human's own token.*carries none/);
    expect(f.upstream.seen().length).toBe(before);
  });

  it("client_credentials mode issues Tollgate's client's own token with the resource's scope and audience", async () => {
    const provider = await started((c) => (c.mode = 'client_credentials'));
    const { grant, c } = await issue({ provider, subjectToken: null });
    const info = await f.upstream.introspect(c.token);
    expect(info).toMatchObject({ active: true, client_id: 'tollgate-basic', aud: REPORTS.audience, scope: 'reports:read' });
    expect(info.sub).toBeUndefined();
    await provider.revoke!(c.lease, grant);
    expect(await f.isLive!(c)).toBe(false);
  });

  it('an upstream invalid_scope is upstream_refused, not scope_too_large', async () => {
    const resource = { ...REPORTS_RESOURCE, id: 'oauth:billing', actions: { read: { scope: 'billing:read', resource: BILLING.resource } } };
    const err = await failure(issue({ resource }));
    expect(err).toMatchObject({ code: 'upstream_refused', retryable: false });
    expect(err.message).toContain('invalid_scope');
  });

  it("the upstream's expires_in becomes expiresAt", async () => {
    f.upstream.setTtl(300);
    const { c } = await issue();
    expect(c.expiresAt).toBe(clock.now + 300_000);
  });

  it('a token that outlives its grant is reported with its real expiry, and logged without secrets', async () => {
    f.upstream.setTtl(3600);
    const { grant, c } = await issue({ ttlMs: 10 * 60_000 });
    expect(c.expiresAt).toBe(clock.now + 3600_000);
    expect(c.expiresAt).toBeGreaterThan(grant.expires_at);
    const line = f.logs().find((l) => l.includes('outlives') && l.includes(grant.id));
    expect(JSON.parse(line!)).toMatchObject({ level: 'warn', provider: 'reports-oauth', outlives_by_s: 3000 });
    for (const l of f.logs()) expectNoSecret(l, f.secrets());
  });

  it('a token wider than asked is refused and revoked upstream', async () => {
    const issued: string[] = [];
    // An upstream that ignores the asked scope: the provider's fetch widens the answer.
    const widening: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).endsWith('/token') || res.status !== 200) return res;
      const body = await res.json();
      issued.push(body.access_token);
      return Response.json({ ...body, scope: 'reports:read reports:write' }, { headers: { 'cache-control': 'no-store' } });
    };
    const provider = await started(() => {}, { fetch: widening });
    const err = await failure(issue({ provider }));
    expect(err).toMatchObject({ code: 'upstream_refused', retryable: false });
    expect(err.message).toContain('reports:write');
    expect((await f.upstream.introspect(issued[0]!)).active).toBe(false);
  });

  it('revoke makes the upstream token inactive; a second revoke succeeds', async () => {
    const { grant, c } = await issue();
    expect(await f.isLive!(c)).toBe(true);
    await f.provider.revoke!(c.lease, grant);
    expect(await f.isLive!(c)).toBe(false);
    await f.provider.revoke!(c.lease, grant);
  });

  it('the lease is the token sealed to its grant: no token in clear, and it does not open for another grant', async () => {
    const { c } = await issue();
    expect(c.lease).toMatch(/^sealed:v1:/);
    expect(c.lease).not.toContain(c.token);
    const other = grantFor(REPORTS_RESOURCE, ['read']);
    expect(await failure(f.provider.revoke!(c.lease, other))).toMatchObject({ code: 'misconfigured', retryable: false });
    expect(await f.isLive!(c)).toBe(true);
  });

  it('a revocation the upstream fails is retryable', async () => {
    const { grant, c } = await issue();
    f.upstream.fault('5xx');
    expect(await failure(f.provider.revoke!(c.lease, grant))).toMatchObject({ code: 'upstream_unavailable', retryable: true });
    f.upstream.fault('none');
    await f.provider.revoke!(c.lease, grant);
    expect(await f.isLive!(c)).toBe(false);
  });

  it.each<[string, (c: Record<string, unknown>) => void, Partial<ProviderContext>]>([
    ['no revocation endpoint', (c) => Object.assign(c, { issuer: undefined, token_endpoint: `${f.upstream.issuer}/token` }), {}],
    ['no seal key to keep the token for it', () => {}, { sealKey: null }],
  ])('with %s the provider has no revoke, and the lease is null', async (_name, patch, ctx) => {
    const provider = await started(patch, ctx);
    expect(provider.revoke).toBeUndefined();
    const { c } = await issue({ provider });
    expect(c.lease).toBeNull();
    expect(await f.isLive!(c)).toBe(true);
  });

  it('through Tollgate: completing the task revokes the upstream token, and the receipt says revoked', async () => {
    const h = await exchangeHarness(f);
    try {
      const res = await h.exchange(await exchangeParams(h, f));
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(await f.upstream.introspect(body.access_token)).toMatchObject({ active: true, sub: 'alice', scope: 'reports:read' });
      const done = await (await h.adminRequest('/v1/tasks/task-1/complete', { method: 'POST' })).json();
      expect(done.revoked).toEqual([expect.objectContaining({ grant_id: body.grant_id, status: 'revoked' })]);
      expect((await f.upstream.introspect(body.access_token)).active).toBe(false);
    } finally {
      await h.deps.store.close();
    }
  });

  it("through Tollgate: the holder's RFC 7009 revocation of the upstream token reaches the upstream", async () => {
    const h = await exchangeHarness(f);
    try {
      const body = await (await h.exchange(await exchangeParams(h, f))).json();
      expect((await h.form('/oauth/revoke', { token: body.access_token }, { authorization: `Bearer ${await h.agentToken()}` })).status).toBe(200);
      expect((await f.upstream.introspect(body.access_token)).active).toBe(false);
    } finally {
      await h.deps.store.close();
    }
  });

  it('through Tollgate: a failing upstream answers 503 and nothing is activated', async () => {
    const h = await exchangeHarness(f);
    try {
      f.upstream.fault('5xx');
      const res = await h.exchange(await exchangeParams(h, f));
      const text = await res.text();
      expect(res.status, text).toBe(503);
      expectNoSecret(text, f.secrets());
      const page = await (await h.adminRequest('/v1/grants')).json();
      expect(page.grants.map((g: { status: string }) => g.status)).toEqual(['failed']);
    } finally {
      await h.deps.store.close();
    }
  });

  it("through Tollgate: an agent alone asking for a human's token is refused before anything is recorded", async () => {
    const h = await exchangeHarness(f);
    try {
      const params = await exchangeParams(h, f);
      const res = await h.exchange({ subject_token: params.actor_token!, scope: params.scope!, requested_token_type: params.requested_token_type! });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining("human's own") });
      expect((await (await h.adminRequest('/v1/grants')).json()).grants).toEqual([]);
    } finally {
      await h.deps.store.close();
    }
  });

  it('through Tollgate without a seal key: the receipt says the token lives until it expires', async () => {
    const provider = await started(() => {}, { sealKey: null });
    const h = await exchangeHarness({ ...f, provider });
    try {
      const body = await (await h.exchange(await exchangeParams(h, f))).json();
      const done = await (await h.adminRequest('/v1/tasks/task-1/complete', { method: 'POST' })).json();
      expect(done.revoked).toEqual([expect.objectContaining({ grant_id: body.grant_id, status: 'expires_at' })]);
    } finally {
      await h.deps.store.close();
    }
  });

  it('never logs a secret', () => {
    expect(f.logs().length).toBeGreaterThan(0);
    for (const line of f.logs()) expectNoSecret(line, f.secrets());
  });
});
