import type { ProviderFactory } from '../build-providers.ts';
import { clientAuthentication } from './client-auth.ts';
import { oauthExchangeConfig } from './config.ts';
import { OAuthExchangeProvider } from './oauth-exchange-provider.ts';

/** `type: oauth-exchange`: parses the section and imports any private key now; the upstream is discovered in `start()`. */
export const oauthExchangeProviderFactory: ProviderFactory = async (name, raw, ctx) => {
  const config = oauthExchangeConfig.parse(raw);
  return new OAuthExchangeProvider({
    name,
    config,
    clientAuth: await clientAuthentication(config.client_auth),
    sealKey: ctx.sealKey,
    log: ctx.log,
    now: ctx.now,
    ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
  });
};
