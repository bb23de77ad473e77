import { awsStsProviderFactory } from '../../providers/aws-sts/index.ts';
import { coreProviderFactories, type ProviderFactory } from '../../providers/build-providers.ts';
import { vaultProviderFactory } from '../../providers/vault/index.ts';

/** Every provider type Node can run: the core ones plus those built on Node libraries. */
export const nodeProviderFactories: Record<string, ProviderFactory> = {
  ...coreProviderFactories,
  'aws-sts': awsStsProviderFactory,
  vault: vaultProviderFactory,
};
