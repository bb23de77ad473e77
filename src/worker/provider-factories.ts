import { AwsStsProvider, awsStsConfig } from '../../providers/aws-sts/index.ts';
import { coreProviderFactories, type ProviderFactory } from '../../providers/build-providers.ts';
import { ProviderError } from '../../providers/provider.ts';
import { vaultFetchProviderFactory } from '../../providers/vault/fetch-factory.ts';

/**
 * A Worker has no instance metadata, shared credentials file or projected token file: Tollgate's
 * own AWS keys come from Worker secrets, referenced in the config as `${NAME}`.
 */
const awsStsOnWorkers: ProviderFactory = async (name, raw, ctx) => {
  const cfg = awsStsConfig.parse(raw);
  if (typeof cfg.credentials !== 'object' || !('static' in cfg.credentials))
    throw new ProviderError('misconfigured', 'credentials: on Workers use { static: { access_key_id: "${AWS_ACCESS_KEY_ID}", secret_access_key: "${AWS_SECRET_ACCESS_KEY}" } } with both as Worker secrets', false);
  return new AwsStsProvider(name, cfg, ctx);
};

/** Every provider type a Worker runs: the core ones, AWS STS on the SDK, Vault on fetch. */
export const workerProviderFactories: Record<string, ProviderFactory> = {
  ...coreProviderFactories,
  'aws-sts': awsStsOnWorkers,
  vault: vaultFetchProviderFactory,
};
