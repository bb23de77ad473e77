import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { buildProviders } from '../../providers/build-providers.ts';
import { ProviderError, type Provider } from '../../providers/provider.ts';
import { vaultProviderFactory } from '../../providers/vault/index.ts';
import { freePort } from '../support/free-port.ts';
import { startFakeVault, type FakeVault } from '../upstreams/vault/server.ts';
import { expectNoSecret, grantFor } from './contract.ts';
import { providerContext, setupVaultFixture, TOLLGATE_ACL, vaultResource, type VaultFixture } from './vault-fixture.ts';

const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as ProviderError);

async function issueOnce(f: VaultFixture) {
  const grant = grantFor(f.resource, f.actions);
  return f.provider.issue({ grant, resource: f.resource, actions: f.actions, expiresAt: grant.expires_at, signal: AbortSignal.timeout(5_000), subjectToken: null });
}

describe('vault provider: logging in and staying logged in', () => {
  let f: VaultFixture;
  afterEach(async () => f?.teardown());

  it.each([['approle'], ['jwt']] as const)('logs in with %s and acts with the token it got', async (auth) => {
    f = await setupVaultFixture('token', { auth });
    expect(f.vault.count('POST', `auth/${auth}/login`)).toBe(1);
    await issueOnce(f);
    const create = f.vault.requests.find((r) => r.path === 'auth/token/create')!;
    expect(create.token).toBe(f.ownToken());
    for (const line of f.lines) expectNoSecret(line, f.secrets());
  });

  it('renews its own token (renew-self) before it expires', async () => {
    f = await setupVaultFixture('token', { ownTtl: 3 });
    const own = f.vault.state.tokens.get(f.ownToken())!;
    const firstExpiry = own.expiresAt!;
    await vi.waitFor(() => expect(f.vault.count('POST', 'auth/token/renew-self')).toBeGreaterThanOrEqual(1), { timeout: 10_000, interval: 50 });
    expect(own.expiresAt!).toBeGreaterThan(firstExpiry);
    expect(f.vault.requests.filter((r) => r.path === 'auth/token/renew-self').every((r) => r.token === own.id)).toBe(true);
    await issueOnce(f);
  });

  it('logs in again once renewals stop reaching as far (the max TTL)', async () => {
    f = await setupVaultFixture('token', {
      auth: 'approle',
      vault: { approle: { approle: { tollgate: { role_id: 'role-id-tollgate', secret_id: 'secret-id-0123456789abcdef', policies: ['tollgate', 'orders-read'], token_ttl: 2, token_max_ttl: 3 } } } },
    });
    const first = f.ownToken();
    await vi.waitFor(() => expect(f.vault.count('POST', 'auth/approle/login')).toBe(2), { timeout: 10_000, interval: 50 });
    expect(f.ownToken()).not.toBe(first);
    await issueOnce(f);
    expect(f.vault.requests.filter((r) => r.path === 'auth/token/create').at(-1)!.token).toBe(f.ownToken());
  });

  it('ignores VAULT_TOKEN, VAULT_NAMESPACE and VAULT_PREFIX from the environment', async () => {
    vi.stubEnv('VAULT_TOKEN', 'hvs.from-the-environment');
    vi.stubEnv('VAULT_NAMESPACE', 'elsewhere');
    vi.stubEnv('VAULT_PREFIX', '/prefix');
    try {
      f = await setupVaultFixture('token', { auth: 'approle' });
      await issueOnce(f);
      expect(f.vault.requests.every((r) => r.token !== 'hvs.from-the-environment' && r.namespace === '' && !r.path.startsWith('prefix'))).toBe(true);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('sends its namespace on every call', async () => {
    f = await setupVaultFixture('dynamic', { auth: 'approle', vault: { namespace: 'team-a' }, provider: { namespace: 'team-a' } });
    await issueOnce(f);
    expect(f.vault.requests.every((r) => r.namespace === 'team-a')).toBe(true);
  });
});

describe('vault provider: misconfiguration stops the start with a clear message', () => {
  let vault: FakeVault | null = null;
  let provider: Provider | null = null;
  afterEach(async () => {
    await provider?.stop?.();
    await vault?.close();
    vault = provider = null;
  });

  const start = async (config: Record<string, unknown>) => {
    provider = await vaultProviderFactory('vault', { type: 'vault', timeout: 1, ...config }, providerContext([]));
    return failure(provider.start!());
  };

  it('a Vault that does not answer: upstream_unavailable, naming the address', async () => {
    const address = `http://127.0.0.1:${await freePort()}`;
    const err = await start({ address, auth: { method: 'token', token: 'hvs.some-token-value' } });
    expect(err?.code).toBe('upstream_unavailable');
    expect(err?.retryable).toBe(true);
    expect(err?.message).toContain(`cannot reach Vault at ${address}`);
    expectNoSecret(err!.message, ['hvs.some-token-value']);
  });

  it('a sealed Vault: upstream_unavailable', async () => {
    vault = await startFakeVault({ sealed: true });
    expect((await start({ address: vault.address, auth: { method: 'token', token: vault.rootToken } }))?.message).toMatch(/not serving \(HTTP 503/);
  });

  it.each([
    ['a token Vault does not know', { method: 'token', token: 'hvs.not-a-real-token' }, /refused Tollgate's credentials \(HTTP 403\); check auth.token/],
    ['a wrong secret_id', { method: 'approle', role_id: 'role-id-tollgate', secret_id: 'wrong-secret-id-0123' }, /approle login at auth\/approle: .* \(HTTP 400\); check auth.role_id and auth.secret_id/],
    ['an auth mount that does not exist', { method: 'approle', role_id: 'role-id-tollgate', secret_id: 'wrong-secret-id-0123', mount: 'nope' }, /no such auth mount \(HTTP 404\)/],
  ])('%s: misconfigured, without the credential', async (_name, auth, message) => {
    vault = await startFakeVault({ acl: TOLLGATE_ACL, approle: { approle: { t: { role_id: 'role-id-tollgate', secret_id: 'secret-id-0123456789abcdef', policies: ['tollgate'], token_ttl: 60 } } } });
    const err = await start({ address: vault.address, auth });
    expect(err?.code).toBe('misconfigured');
    expect(err?.message).toMatch(message);
    const { token, role_id, secret_id } = auth as Record<string, string>;
    expectNoSecret(err!.message, [token, role_id, secret_id].filter((x): x is string => Boolean(x)));
  });

  it('through buildProviders, errors name the config path', async () => {
    const build = (providers: Record<string, unknown>, resources: unknown[]) =>
      failure(buildProviders({ providers, resources } as unknown as Config, providerContext([]), { vault: vaultProviderFactory }));
    const auth = { method: 'token', token: 'hvs.x' };
    expect((await build({ v: { type: 'vault', address: 'not a url', auth } }, []))?.message).toBe('providers.v.address: expected an http(s) URL such as https://vault.internal:8200');
    expect((await build({ v: { type: 'vault', address: 'http://127.0.0.1:1', auth: { method: 'userpass' } } }, []))?.message).toMatch(/^providers\.v\.auth\.method: /);
    const bad = { ...vaultResource('dynamic', 'v'), actions: { read: { kind: 'dynamic', path: '/v1/database/creds/x' } } };
    expect((await build({ v: { type: 'vault', address: 'http://127.0.0.1:1', auth } }, [bad]))?.message).toMatch(/^resources\[0\]: actions\.read\.path: expected a Vault API path/);
  });
});

describe('vault provider: checkResource names the bad field', () => {
  it.each([
    ['no kind', { policies: ['a'] }, /^actions\.read\.kind: expected kind 'token', 'dynamic' or 'kv'/],
    ['no policies', { kind: 'token', policies: [] }, /^actions\.read\.policies: /],
    ['the root policy', { kind: 'token', policies: ['ops', 'root'] }, /^actions\.read\.policies\[1\]: the root policy is never handed out/],
    ['an unknown field', { kind: 'token', policies: ['a'], ttl: 60 }, /^actions\.read: .*ttl/],
    ['a sys/ path', { kind: 'dynamic', path: 'sys/leases/lookup' }, /^actions\.read\.path: paths under sys\//],
    ['an auth/ path', { kind: 'dynamic', path: 'auth/token/lookup-self' }, /^actions\.read\.path: paths under/],
    ['a path with ..', { kind: 'kv', path: 'secret/data/../x' }, /^actions\.read\.path: no \. or \.\. segments/],
    ['a KV v2 path without data/', { kind: 'kv', path: 'secret/api-key' }, /^actions\.read\.path: a KV v2 path reads MOUNT\/data\/NAME/],
    ['a max_overrun past a day', { kind: 'dynamic', path: 'database/creds/x', max_overrun: '2d' }, /^actions\.read\.max_overrun: expected 0 to 86400 seconds/],
  ])('%s', async (_name, read, message) => {
    const provider = await vaultProviderFactory('vault', { type: 'vault', address: 'http://127.0.0.1:1', auth: { method: 'token', token: 'hvs.x' } }, providerContext([]));
    const check = () => provider.checkResource!({ id: 'vault:x', provider: 'vault', classification: 'internal', actions: { read } });
    expect(check).toThrow(ProviderError);
    expect(check).toThrow(message);
  });
});
