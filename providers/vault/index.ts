import type { ProviderFactory } from '../build-providers.ts';
import { vaultConfig } from './config.ts';
import { NodeVaultClient } from './node-vault-client.ts';
import { VaultProvider } from './vault-provider.ts';

export { VaultProvider } from './vault-provider.ts';
export type { VaultClient } from './vault-client.ts';

/** `type: vault` on Node, through node-vault. Nothing is contacted until `start()`. */
export const vaultProviderFactory: ProviderFactory = async (name, raw, ctx) => {
  const config = vaultConfig.parse(raw);
  const client = new NodeVaultClient({ address: config.address, ...(config.namespace ? { namespace: config.namespace } : {}), timeoutMs: config.timeout * 1000 });
  return new VaultProvider({ name, config, client, log: ctx.log, now: ctx.now });
};
