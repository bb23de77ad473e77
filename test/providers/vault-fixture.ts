import { SignJWT, generateKeyPair } from 'jose';
import type { ResourceConfig } from '../../src/config/schema.ts';
import type { Keyring } from '../../src/keys/keyring.ts';
import { createLogger } from '../../src/log.ts';
import type { ProviderContext, ProviderFactory } from '../../providers/build-providers.ts';
import type { IssuedCredential, Provider } from '../../providers/provider.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { vaultProviderFactory } from '../../providers/vault/index.ts';
import { parseLease } from '../../providers/vault/lease-handle.ts';
import { startFakeVault, type FakeVault, type FakeVaultOptions, type VaultFault } from '../upstreams/vault/server.ts';
import type { ContractFixture, Fault } from './fixture.ts';

export type VaultKind = 'token' | 'dynamic';
export type LoginMethod = 'token' | 'approle' | 'jwt';

/** The local fixture, with its server and its log lines open to Vault-specific tests. */
export interface VaultFixture extends ContractFixture {
  vault: FakeVault;
  /** the token Tollgate logged in with (for `token`, the one configured) */
  ownToken(): string;
  lines: string[];
}

export const FAULTS: Record<Fault, VaultFault> = { none: 'none', timeout: 'hang', '5xx': 500, '4xx': 403 };

/** Tollgate's own policy in the local Vault: what it needs to mint and revoke. */
export const TOLLGATE_ACL = {
  tollgate: ['auth/token/create', 'auth/token/create/*', 'auth/token/revoke-accessor', 'sys/leases/revoke', 'database/creds/*', 'aws/creds/*', 'secret/data/*', 'kv/*'],
  'orders-read': ['database/creds/orders-ro'],
  'orders-write': ['database/creds/orders-rw'],
};
const OWN_POLICIES = ['default', 'tollgate', 'orders-read', 'orders-write'];

export function vaultResource(kind: VaultKind, provider = 'vault-local'): ResourceConfig {
  const read = kind === 'token' ? { kind: 'token', policies: ['orders-read'] } : { kind: 'dynamic', path: 'database/creds/orders-ro' };
  return { id: `vault:orders:${kind}`, provider, classification: 'confidential', actions: { read } };
}

export interface LocalOptions {
  auth?: LoginMethod;
  /** merged into the local Vault's options */
  vault?: FakeVaultOptions;
  /** Tollgate's own token TTL in seconds (renewable) */
  ownTtl?: number;
  provider?: Record<string, unknown>;
  /** builds the provider (default: Node's, on node-vault) */
  factory?: ProviderFactory;
}

/** Starts the local Vault and a started Vault provider on it. */
export async function setupVaultFixture(kind: VaultKind = 'token', opts: LocalOptions = {}): Promise<VaultFixture> {
  const method = opts.auth ?? 'token';
  const ownTtl = opts.ownTtl ?? 3600;
  const jwtKeys = method === 'jwt' ? await generateKeyPair('ES256') : null;
  const vault = await startFakeVault({
    acl: TOLLGATE_ACL,
    database: { 'orders-ro': { ttl: 300 }, 'orders-rw': { ttl: 300 } },
    kv: { 'api-key': { value: 'kv-api-key-0123456789', owner: 'orders' } },
    approle: { approle: { tollgate: { role_id: 'role-id-tollgate', secret_id: 'secret-id-0123456789abcdef', policies: OWN_POLICIES, token_ttl: ownTtl, token_max_ttl: 86400 } } },
    ...(jwtKeys ? { jwt: { jwt: { tollgate: { key: jwtKeys.publicKey, bound_audiences: ['vault'], policies: OWN_POLICIES, token_ttl: ownTtl } } } } : {}),
    ...opts.vault,
  });
  const configured = vault.state.createToken({ policies: OWN_POLICIES, creationTtl: ownTtl, displayName: 'token-tollgate', maxTtl: 86400 }).id;
  const jwt = jwtKeys
    ? await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject('system:serviceaccount:tollgate:tollgate').setAudience('vault').setExpirationTime('1h').sign(jwtKeys.privateKey)
    : '';
  const auth =
    method === 'token'
      ? { method, token: configured }
      : method === 'approle'
        ? { method, role_id: 'role-id-tollgate', secret_id: 'secret-id-0123456789abcdef' }
        : { method, role: 'tollgate', jwt };
  const lines: string[] = [];
  const resource = vaultResource(kind);
  const provider = await (opts.factory ?? vaultProviderFactory)(resource.provider, { type: 'vault', address: vault.address, timeout: 1, auth, ...opts.provider }, providerContext(lines));
  provider.checkResource?.(resource);
  await provider.start!();

  // With a login method, Tollgate's token is the latest login's.
  const ownToken = () => (method === 'token' ? configured : [...vault.state.tokens.values()].filter((t) => t.path.endsWith('/login')).at(-1)!.id);
  const recorded = recording(provider);
  return {
    vault,
    ownToken,
    lines,
    provider: recorded.provider,
    resource,
    actions: ['read'],
    requestedTokenType: kind === 'token' ? TOKEN_TYPE.vaultToken : TOKEN_TYPE.secret,
    fault: (k) => vault.fault(FAULTS[k]),
    secrets: () => [vault.rootToken, configured, ownToken(), 'secret-id-0123456789abcdef', jwt, ...recorded.issued],
    logs: () => lines,
    isLive: (c) => isLive(vault.address, vault.rootToken, c),
    async teardown() {
      await provider.stop?.();
      await vault.close();
    },
  };
}

/** A provider context with a capturing logger; the fields the Vault provider does not use are blanks. */
export function providerContext(lines: string[]): ProviderContext {
  return { keyring: {} as Keyring, sealKey: null, issuer: 'https://tollgate.test', grantTokenAudience: 'tollgate', log: createLogger((l) => lines.push(l), 'debug'), now: Date.now };
}

/** The same provider, remembering every credential it hands out so tests can look for leaks. */
export function recording(p: Provider): { provider: Provider; issued: string[] } {
  const issued: string[] = [];
  const provider: Provider = {
    name: p.name,
    type: p.type,
    upstreamTokenTypes: p.upstreamTokenTypes,
    async issue(req) {
      const c = await p.issue(req);
      issued.push(c.token, ...Object.values(c.credential ?? {}));
      return c;
    },
    ...(p.revoke ? { revoke: p.revoke.bind(p) } : {}),
    ...(p.checkResource ? { checkResource: p.checkResource.bind(p) } : {}),
    ...(p.isStatic ? { isStatic: p.isStatic.bind(p) } : {}),
  };
  return { provider, issued };
}

/** Asks Vault itself (as an admin) whether a token's accessor or a lease is still live. */
export async function isLive(address: string, adminToken: string, c: IssuedCredential, namespace?: string): Promise<boolean> {
  const h = c.lease ? parseLease(c.lease) : null;
  if (!h) throw new Error('no lease to look up');
  const [path, body] = h.kind === 'accessor' ? ['auth/token/lookup-accessor', { accessor: h.accessor }] : ['sys/leases/lookup', { lease_id: h.leaseId }];
  const res = await fetch(`${address}/v1/${path}`, {
    method: 'PUT',
    headers: { 'x-vault-token': adminToken, 'content-type': 'application/json', ...(namespace ? { 'x-vault-namespace': namespace } : {}) },
    body: JSON.stringify(body),
  });
  await res.body?.cancel();
  if (res.status === 200) return true;
  if (res.status === 400) return false;
  throw new Error(`unexpected answer ${res.status} from Vault`);
}
