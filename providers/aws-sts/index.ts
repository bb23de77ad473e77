import type { ProviderFactory } from '../build-providers.ts';
import { AwsStsProvider } from './aws-sts-provider.ts';
import { awsStsConfig } from './config.ts';

export { AwsStsProvider } from './aws-sts-provider.ts';
export { awsStsConfig, type AwsStsConfig } from './config.ts';
export { awsStsAction } from './action-settings.ts';

/** `providers.NAME` of type aws-sts; register it with the Node runtime's factories. */
export const awsStsProviderFactory: ProviderFactory = async (name, raw, ctx) => {
  const cfg = awsStsConfig.parse(raw);
  if (typeof cfg.credentials === 'object' && 'static' in cfg.credentials)
    ctx.log.log('warn', 'aws-sts uses static access keys from config: meant for tests against a local STS', { provider: name });
  return new AwsStsProvider(name, cfg, ctx);
};
