import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ResourceConfig } from '../../src/config/schema.ts';
import type { ActionClass } from '../../src/model/action-class.ts';
import { ProviderError, type Provider } from '../../providers/provider.ts';
import { parseLease } from '../../providers/vault/lease-handle.ts';
import { sweepExpired } from '../../src/grants/maintenance.ts';
import { runRevocationJobs } from '../../src/grants/revocation-worker.ts';
import { exchangeHarness, exchangeParams, expectNoSecret, grantFor, providerContract } from './contract.ts';
import { setupVaultFixture, type VaultFixture } from './vault-fixture.ts';

providerContract({ name: 'vault (token, local Vault)', revocable: true, hasUpstream: true, timeoutMs: 5_000, setup: () => setupVaultFixture('token') });
providerContract({ name: 'vault (dynamic, local Vault)', revocable: true, hasUpstream: true, timeoutMs: 5_000, setup: () => setupVaultFixture('dynamic') });

function issue(provider: Provider, resource: ResourceConfig, opts: { actions?: ActionClass[]; ttlMs?: number; signal?: AbortSignal } = {}) {
  const actions = opts.actions ?? ['read'];
  const grant = grantFor(resource, actions, opts.ttlMs ?? 15 * 60_000);
  const signal = opts.signal ?? AbortSignal.timeout(5_000);
  return provider.issue({ grant, resource, actions, expiresAt: grant.expires_at, signal, subjectToken: null }).then((c) => ({ grant, c }));
}

const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as ProviderError);
const accessorOf = (lease: string | null) => {
  const h = lease ? parseLease(lease) : null;
  if (h?.kind !== 'accessor') throw new Error('not an accessor lease');
  return h.accessor;
};
const resource = (id: string, actions: ResourceConfig['actions']): ResourceConfig => ({ id, provider: 'vault-local', classification: 'internal', actions });

describe('vault provider: tokens', () => {
  let f: VaultFixture;
  afterEach(async () => f?.teardown());

  it("never lets a created token take the place of Tollgate's own", async () => {
    f = await setupVaultFixture('token');
    const own = f.ownToken();
    await Promise.all(Array.from({ length: 10 }, () => issue(f.provider, f.resource)));
    for (let i = 0; i < 10; i++) await issue(f.provider, f.resource);
    const { grant, c } = await issue(f.provider, f.resource);
    await f.provider.revoke!(c.lease, grant);

    const used = new Set(f.vault.requests.filter((r) => r.path.startsWith('auth/token/') || r.path.startsWith('sys/')).map((r) => r.token));
    expect(used).toEqual(new Set([own]));
    expect(f.vault.count('POST', 'auth/token/create')).toBe(21);
    expect(f.vault.state.byAccessor(accessorOf(c.lease))).toBeNull();
  });

  it("creates a child token with exactly the resource's policies, the grant's metadata and a TTL within the grant", async () => {
    f = await setupVaultFixture('token');
    const { grant, c } = await issue(f.provider, f.resource, { ttlMs: 10 * 60_000 });
    const t = f.vault.state.byAccessor(accessorOf(c.lease))!;
    expect(t.id).toBe(c.token);
    expect(t.policies).toEqual(['orders-read']);
    expect(t.meta).toEqual({ grant_id: grant.id, task_id: grant.task_id, agent: grant.agent, principal: grant.principal, owner: grant.owner });
    expect(t.displayName).toBe(`token-tollgate-${grant.id.replace(/_/g, '-')}`);
    expect(t.parent).toBe(f.ownToken());
    expect(t.creationTtl).toBeLessThanOrEqual(600);
    expect(t.explicitMaxTtl).toBe(t.creationTtl);
    expect(c.expiresAt).toBeLessThanOrEqual(grant.expires_at);
    expect(c.lease).not.toContain(c.token);

    // The token works upstream for what its policy allows, and for nothing else.
    const read = (path: string) => fetch(`${f.vault.address}/v1/${path}`, { headers: { 'x-vault-token': c.token } }).then((r) => r.status);
    expect(await read('database/creds/orders-ro')).toBe(200);
    expect(await read('database/creds/orders-rw')).toBe(403);
  });

  it("reports Vault's expiry when Vault grants less than asked", async () => {
    f = await setupVaultFixture('token', { vault: { maxLeaseTtl: 120 } });
    const before = Date.now();
    const { c } = await issue(f.provider, f.resource, { ttlMs: 15 * 60_000 });
    expect(c.expiresAt).toBeGreaterThanOrEqual(before + 120_000);
    expect(c.expiresAt).toBeLessThanOrEqual(Date.now() + 120_000);
  });

  it('combines the policies of several token actions into one token, and refuses different token roles together', async () => {
    f = await setupVaultFixture('token');
    const both = resource('vault:orders:rw', { read: { kind: 'token', policies: ['orders-read'] }, write: { kind: 'token', policies: ['orders-write'], renewable: false } });
    const { c } = await issue(f.provider, both, { actions: ['read', 'write'] });
    const t = f.vault.state.byAccessor(accessorOf(c.lease))!;
    expect(t.policies).toEqual(['orders-read', 'orders-write']);
    expect(t.renewable).toBe(false);

    const mixed = resource('vault:orders:mixed', { read: { kind: 'token', policies: ['orders-read'] }, write: { kind: 'token', policies: ['orders-write'], role: 'writers' } });
    expect((await failure(issue(f.provider, mixed, { actions: ['read', 'write'] })))?.code).toBe('scope_too_large');
  });

  it('makes tokens through a token role when one is named', async () => {
    f = await setupVaultFixture('token', { vault: { tokenRoles: { agents: { allowed_policies: ['orders-read'], orphan: true } } } });
    const viaRole = resource('vault:orders:role', { read: { kind: 'token', policies: ['orders-read'], role: 'agents' } });
    const { c } = await issue(f.provider, viaRole);
    const t = f.vault.state.byAccessor(accessorOf(c.lease))!;
    expect(t.path).toBe('auth/token/create/agents');
    expect(t.parent).toBeNull();
  });

  it("refuses, and revokes, a token carrying more than the resource's policies (identity policies of Tollgate's entity)", async () => {
    f = await setupVaultFixture('token', {
      auth: 'approle',
      vault: { approle: { approle: { tollgate: { role_id: 'role-id-tollgate', secret_id: 'secret-id-0123456789abcdef', policies: ['tollgate', 'orders-read'], token_ttl: 3600, entity_policies: ['ops-admin'] } } } },
    });
    const before = f.vault.state.tokens.size;
    const err = await failure(issue(f.provider, f.resource));
    expect(err?.code).toBe('misconfigured');
    expect(err?.message).toContain('ops-admin');
    expect(f.vault.state.tokens.size).toBe(before);
  });

  it('refuses a batch token (it cannot be revoked)', async () => {
    f = await setupVaultFixture('token', { vault: { tokenRoles: { batch: { token_type: 'batch' } } } });
    const err = await failure(issue(f.provider, resource('vault:orders:batch', { read: { kind: 'token', policies: ['orders-read'], role: 'batch' } })));
    expect(err?.code).toBe('misconfigured');
  });

  it('revokes a token Vault created after Tollgate gave up waiting for it', async () => {
    f = await setupVaultFixture('token', { provider: { timeout: 5 } });
    const children = () => [...f.vault.state.tokens.values()].filter((t) => t.parent === f.ownToken()).length;
    f.vault.fault('slow', 1);
    const err = await failure(issue(f.provider, f.resource, { signal: AbortSignal.timeout(50) }));
    expect(err?.retryable).toBe(true);
    await vi.waitFor(() => expect(f.vault.count('POST', 'auth/token/revoke-accessor')).toBe(1), { timeout: 5_000 });
    expect(children()).toBe(0);
  });
});

describe('vault provider: secrets', () => {
  let f: VaultFixture;
  afterEach(async () => f?.teardown());

  it('hands out database credentials under their lease, with the lease as the handle', async () => {
    f = await setupVaultFixture('dynamic');
    const before = Date.now();
    const { c } = await issue(f.provider, f.resource);
    expect(Object.keys(c.credential!).sort()).toEqual(['password', 'username']);
    expect(JSON.parse(c.token)).toEqual(c.credential);
    expect(c.lease).toMatch(/^lease:database\/creds\/orders-ro\//);
    expect(c.expiresAt).toBeGreaterThanOrEqual(before + 300_000);
    expect(c.expiresAt).toBeLessThanOrEqual(Date.now() + 300_000);
  });

  it('refuses, and revokes at once, a lease that would outlive the grant (the caller may ask for longer)', async () => {
    f = await setupVaultFixture('dynamic');
    const err = await failure(issue(f.provider, f.resource, { ttlMs: 60_000 }));
    expect(err?.code).toBe('ttl_too_short');
    expect(err?.retryable).toBe(false);
    expect(err?.message).toContain('ask for a TTL of at least 301 s');
    expect(f.vault.state.leases.size).toBe(0);
    expect(f.vault.count('PUT', 'sys/leases/revoke')).toBe(1);
  });

  it('within max_overrun, hands out a longer lease with its real expiry, and Tollgate revokes it when the grant expires', async () => {
    f = await setupVaultFixture('dynamic');
    const overrun: VaultFixture = { ...f, resource: resource('vault:db:overrun', { read: { kind: 'dynamic', path: 'database/creds/orders-ro', max_overrun: '5m' } }) };
    const h = await exchangeHarness(overrun);
    try {
      const res = await h.exchange({ ...(await exchangeParams(h, overrun)), requested_ttl: '60' });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.expires_in).toBe(60);
      const grant = await (await h.adminRequest(`/v1/grants/${body.grant_id}`)).json();
      expect(Date.parse(grant.credential_expires_at) - Date.parse(grant.expires_at)).toBeGreaterThan(200_000);
      const lease = [...f.vault.state.leases.values()].at(-1)!;
      expect(f.vault.state.lease(lease.id)).not.toBeNull();

      h.clock.now += 61_000;
      expect(await sweepExpired(h.deps)).toBe(1);
      await runRevocationJobs(h.deps);
      expect(f.vault.state.lease(lease.id)).toBeNull();
    } finally {
      await h.deps.store.close();
    }
  });

  it("asks for the grant's lifetime through ttl_param when the engine takes one", async () => {
    f = await setupVaultFixture('dynamic', { vault: { aws: { deploy: { ttl: 3600 } } } });
    const aws = resource('vault:aws:deploy', { read: { kind: 'dynamic', path: 'aws/creds/deploy', ttl_param: 'ttl' } });
    const { grant, c } = await issue(f.provider, aws, { ttlMs: 10 * 60_000 });
    expect(c.expiresAt).toBeLessThanOrEqual(grant.expires_at);
    expect(Object.keys(c.credential!).sort()).toEqual(['access_key', 'arn', 'secret_key', 'session_token']);
    expect(f.vault.requests.find((r) => r.path === 'aws/creds/deploy')).toBeDefined();
  });

  it('hands out one field only when the action names it', async () => {
    f = await setupVaultFixture('dynamic');
    const pw = resource('vault:db:pw', { read: { kind: 'dynamic', path: 'database/creds/orders-ro', field: 'password' } });
    const { c } = await issue(f.provider, pw);
    expect(Object.keys(c.credential!)).toEqual(['password']);
    expect(c.token).toBe(c.credential!.password);
  });

  it('reads KV v2 and v1 secrets, with nothing to revoke', async () => {
    f = await setupVaultFixture('dynamic', { vault: { kvV1: { legacy: { user: 'svc', pass: 'kv1-pass-0123456789' } } } });
    const v2 = resource('vault:kv:api', { read: { kind: 'kv', path: 'secret/data/api-key', field: 'value' } });
    const { grant, c } = await issue(f.provider, v2);
    expect(c).toEqual({ token: 'kv-api-key-0123456789', credential: { value: 'kv-api-key-0123456789' }, issuedTokenType: 'urn:tollgate:token-type:secret', expiresAt: grant.expires_at, lease: null });

    const v1 = resource('vault:kv:legacy', { read: { kind: 'kv', path: 'kv/legacy', version: 1 } });
    const { c: c1 } = await issue(f.provider, v1);
    expect(c1.credential).toEqual({ user: 'svc', pass: 'kv1-pass-0123456789' });
    expect(c1.lease).toBeNull();
  });

  it('through Tollgate: revoking a KV grant says the static secret must be rotated', async () => {
    f = await setupVaultFixture('dynamic');
    const kv = resource('vault:kv:api', { read: { kind: 'kv', path: 'secret/data/api-key', field: 'value' } });
    f.provider.checkResource!(kv);
    const h = await exchangeHarness({ ...f, resource: kv, actions: ['read'] });
    try {
      const body = await (await h.exchange(await exchangeParams(h, { ...f, resource: kv, actions: ['read'] }))).json();
      expect(body.access_token).toBe('kv-api-key-0123456789');
      const done = await (await h.adminRequest('/v1/tasks/task-1/complete', { method: 'POST' })).json();
      expect(done.revoked).toEqual([{ grant_id: body.grant_id, status: 'expires_at', expires_at: null, detail: expect.stringContaining('rotate') }]);
    } finally {
      await h.deps.store.close();
    }
  });

  it('refuses two actions that read different paths in one grant', async () => {
    f = await setupVaultFixture('dynamic');
    const rw = resource('vault:db:rw', { read: { kind: 'dynamic', path: 'database/creds/orders-ro' }, write: { kind: 'dynamic', path: 'database/creds/orders-rw' } });
    expect((await failure(issue(f.provider, rw, { actions: ['read', 'write'] })))?.code).toBe('scope_too_large');
  });
});

describe('vault provider: revocation', () => {
  let f: VaultFixture;
  afterEach(async () => f?.teardown());

  it('treats an accessor or a lease that is already gone as revoked', async () => {
    f = await setupVaultFixture('token');
    const { grant, c } = await issue(f.provider, f.resource);
    f.vault.state.revokeTree(f.vault.state.byAccessor(accessorOf(c.lease))!.id); // revoked by someone else
    const asked = () => f.vault.requests.filter((r) => r.path === 'auth/token/revoke-accessor' || r.path === 'sys/leases/revoke').length;
    const before = asked();
    // Vault answers 400 "invalid accessor" for the first two; the provider counts that as done.
    await expect(f.provider.revoke!(c.lease, grant)).resolves.toBeUndefined();
    await expect(f.provider.revoke!('accessor:no-such-accessor', grant)).resolves.toBeUndefined();
    await expect(f.provider.revoke!('lease:database/creds/orders-ro/no-such-lease', grant)).resolves.toBeUndefined();
    expect(asked() - before, 'each revocation was put to Vault').toBe(3);
    expect(await f.isLive!(c)).toBe(false);
    // Through Tollgate, the task's grant on a lease that is already gone is revoked, with no job left retrying.
    const h = await exchangeHarness(f);
    try {
      const issued = await (await h.exchange(await exchangeParams(h, f))).json();
      const grantRow = await (await h.adminRequest(`/v1/grants/${issued.grant_id}`)).json();
      const token = f.vault.state.byAccessor(accessorOf(grantRow.lease));
      expect(token, 'the grant holds a live Vault token').toBeTruthy();
      f.vault.state.revokeTree(token!.id); // revoked in Vault by someone else
      const done = await (await h.adminRequest('/v1/tasks/task-1/complete', { method: 'POST' })).json();
      expect(done.revoked).toEqual([{ grant_id: issued.grant_id, status: 'revoked' }]);
    } finally {
      await h.deps.store.close();
    }
  });

  it('revoking a lease ends the database credentials', async () => {
    f = await setupVaultFixture('dynamic');
    const { grant, c } = await issue(f.provider, f.resource);
    expect(await f.isLive!(c)).toBe(true);
    await f.provider.revoke!(c.lease, grant);
    expect(await f.isLive!(c)).toBe(false);
  });

  it.each([
    [500, true],
    [503, true],
    [429, true],
    [403, false],
    [400, false],
  ] as const)('a revocation answered %s is retryable: %s', async (status, retryable) => {
    f = await setupVaultFixture('token');
    const { grant, c } = await issue(f.provider, f.resource);
    f.vault.fault(status, 1);
    const err = await failure(f.provider.revoke!(c.lease, grant));
    expect(err).toBeInstanceOf(ProviderError);
    expect(err?.retryable).toBe(retryable);
    expectNoSecret(err!.message, f.secrets());
    await f.provider.revoke!(c.lease, grant);
    expect(await f.isLive!(c)).toBe(false);
  });
});
