import { vaultFetchProviderFactory } from '../../providers/vault/fetch-factory.ts';
import { providerContract } from './contract.ts';
import { setupVaultFixture } from './vault-fixture.ts';

// The Workers build's Vault client (Fetch API, no node-vault) against the same local Vault.
providerContract({ name: 'vault on fetch (token, local Vault)', revocable: true, hasUpstream: true, timeoutMs: 5_000, setup: () => setupVaultFixture('token', { factory: vaultFetchProviderFactory }) });
providerContract({ name: 'vault on fetch (dynamic, approle)', revocable: true, hasUpstream: true, timeoutMs: 5_000, setup: () => setupVaultFixture('dynamic', { factory: vaultFetchProviderFactory, auth: 'approle' }) });
