import type { ProviderFactory } from '../build-providers.ts';
import { vaultConfig } from './config.ts';
import { FetchVaultClient } from './fetch-vault-client.ts';
import { VaultProvider } from './vault-provider.ts';

/** `type: vault` on runtimes with only the Fetch API (Workers): the same provider on FetchVaultClient. */
export const vaultFetchProviderFactory: ProviderFactory = async (name, raw, ctx) => {
  const config = vaultConfig.parse(raw);
  const client = new FetchVaultClient({
    address: config.address,
    ...(config.namespace ? { namespace: config.namespace } : {}),
    timeoutMs: config.timeout * 1000,
    ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
  });
  return new VaultProvider({ name, config, client, log: ctx.log, now: ctx.now });
};
