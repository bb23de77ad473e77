// The provider contract against a REAL Vault, opt-in:
//
//   VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=... npx vitest run test/providers/vault-real
//
// What the Vault needs:
// - VAULT_TOKEN may create child tokens (auth/token/create) carrying the policies the test
//   resource names (VAULT_TEST_POLICIES, comma-separated, default "default"), and may call
//   auth/token/lookup-accessor and sys/leases/lookup to check what was revoked. The root
//   token of `vault server -dev` does.
// - optional: VAULT_TEST_DYNAMIC_PATH (e.g. database/creds/readonly) runs the contract for
//   leased secrets too; the role's default TTL must be at most 10m, since the contract's grants
//   last 15 minutes and a lease that would outlive its grant is refused.
// - optional: VAULT_NAMESPACE (Vault Enterprise / HCP).
// Tollgate runs on a child token of VAULT_TOKEN (through a local fault-injecting proxy); the
// test revokes that token at the end, and with it everything Tollgate created.
//
// The contract is registered only when VAULT_ADDR and VAULT_TOKEN are set: without a Vault
// there is nothing to run, and a skipped entry would read as a gap in every ordinary run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceConfig } from '../../src/config/schema.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { vaultProviderFactory } from '../../providers/vault/index.ts';
import { startFaultProxy } from '../upstreams/vault/fault-proxy.ts';
import { startFakeVault } from '../upstreams/vault/server.ts';
import { grantFor, providerContract, type ContractFixture } from './contract.ts';
import { FAULTS, isLive, providerContext, recording } from './vault-fixture.ts';

const { VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE, VAULT_TEST_DYNAMIC_PATH } = process.env;
const POLICIES = (process.env.VAULT_TEST_POLICIES ?? 'default').split(',').map((p) => p.trim()).filter(Boolean);

async function vault(address: string, token: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${address}/v1/${path}`, {
    method,
    headers: { 'x-vault-token': token, 'content-type': 'application/json', ...(VAULT_NAMESPACE ? { 'x-vault-namespace': VAULT_NAMESPACE } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: Vault answered ${res.status}`);
  return res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>);
}

async function setupRealVault(address: string, admin: string, read: Record<string, unknown>): Promise<ContractFixture> {
  const created = await vault(address, admin, 'POST', 'auth/token/create', { ttl: '1h', renewable: true, display_name: 'tollgate-contract' });
  const own = (created.auth as { client_token: string }).client_token;
  const proxy = await startFaultProxy(address);
  const lines: string[] = [];
  const resource: ResourceConfig = { id: `vault:real:${String(read.kind)}`, provider: 'vault-real', classification: 'internal', actions: { read } };
  const provider = await vaultProviderFactory(
    'vault-real',
    { type: 'vault', address: proxy.address, timeout: 2, auth: { method: 'token', token: own }, ...(VAULT_NAMESPACE ? { namespace: VAULT_NAMESPACE } : {}) },
    providerContext(lines),
  );
  provider.checkResource!(resource);
  await provider.start!();
  const recorded = recording(provider);
  return {
    provider: recorded.provider,
    resource,
    actions: ['read'],
    requestedTokenType: read.kind === 'token' ? TOKEN_TYPE.vaultToken : TOKEN_TYPE.secret,
    fault: (k) => proxy.fault(FAULTS[k]),
    secrets: () => [admin, own, ...recorded.issued],
    logs: () => lines,
    isLive: (c) => isLive(address, admin, c, VAULT_NAMESPACE),
    async teardown() {
      await provider.stop!();
      await proxy.close();
      await vault(address, own, 'POST', 'auth/token/revoke-self');
    },
  };
}

if (VAULT_ADDR && VAULT_TOKEN) {
  const subject = { revocable: true, hasUpstream: true, timeoutMs: 10_000 };
  providerContract({ ...subject, name: 'vault (token, REAL Vault)', setup: () => setupRealVault(VAULT_ADDR, VAULT_TOKEN, { kind: 'token', policies: POLICIES }) });
  if (VAULT_TEST_DYNAMIC_PATH)
    providerContract({ ...subject, name: 'vault (dynamic, REAL Vault)', setup: () => setupRealVault(VAULT_ADDR, VAULT_TOKEN, { kind: 'dynamic', path: VAULT_TEST_DYNAMIC_PATH }) });

  // The answers the provider counts as "already gone" come from Vault's documentation and
  // source; this checks them on the server itself.
  describe('vault against a REAL Vault: handles Vault does not know', () => {
    let f: ContractFixture;
    beforeAll(async () => {
      f = await setupRealVault(VAULT_ADDR, VAULT_TOKEN, { kind: 'token', policies: POLICIES });
    }, 60_000);
    afterAll(() => f?.teardown());

    it('revoking an unknown accessor or lease succeeds', async () => {
      const grant = grantFor(f.resource, f.actions);
      const unknown = ['accessor:AAAAAAAAAAAAAAAAAAAAAAAA', 'lease:database/creds/tollgate-contract/00000000-0000-0000-0000-000000000000'];
      for (const lease of unknown) {
        const c = { token: '', issuedTokenType: '', expiresAt: 0, lease };
        expect(await f.isLive!(c), `Vault does not know ${lease}`).toBe(false);
        await expect(f.provider.revoke!(lease, grant)).resolves.toBeUndefined();
      }
    });
  });
}

// The proxy that lets the contract inject faults into a real Vault is itself checked on every
// run, in front of the local Vault.
describe('fault proxy for a real Vault', () => {
  it('passes calls through, and hangs or answers a status when told to', async () => {
    const local = await startFakeVault();
    const proxy = await startFaultProxy(local.address);
    try {
      const call = (signal?: AbortSignal) => fetch(`${proxy.address}/v1/auth/token/lookup-self`, { headers: { 'x-vault-token': local.rootToken }, ...(signal ? { signal } : {}) });
      const res = await call();
      expect(res.status).toBe(200);
      expect(((await res.json()) as { data: { policies: string[] } }).data.policies).toEqual(['root']);
      proxy.fault(503);
      expect((await call()).status).toBe(503);
      proxy.fault('hang');
      await expect(call(AbortSignal.timeout(100))).rejects.toThrow();
      proxy.fault('none');
      expect((await call()).status).toBe(200);
    } finally {
      await proxy.close();
      await local.close();
    }
  });
});
