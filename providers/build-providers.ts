import type { Config } from '../src/config/schema.ts';
import type { Keyring } from '../src/keys/keyring.ts';
import { GrantTokenProvider } from './grant-token.ts';
import { ProviderError, type Provider } from './provider.ts';
import { SealedSecretProvider, sealedSecretAction } from './sealed-secret.ts';

export interface ProviderDeps {
  keyring: Keyring;
  sealKey: CryptoKey | null;
  grantTokenAudience: string;
}

/**
 * Builds every configured provider and checks each resource's per-action settings against its
 * provider, so a misconfigured catalog stops the service at start rather than failing a request.
 */
export async function buildProviders(config: Config, deps: ProviderDeps): Promise<Map<string, Provider>> {
  const out = new Map<string, Provider>();
  for (const [name, raw] of Object.entries(config.providers)) {
    switch (raw.type) {
      case 'grant-token':
        out.set(name, new GrantTokenProvider({ name, keyring: deps.keyring, issuer: config.server.issuer, defaultAudience: deps.grantTokenAudience }));
        break;
      case 'sealed-secret':
        out.set(name, await SealedSecretProvider.create(name, raw, deps.sealKey));
        break;
      default:
        throw new ProviderError('misconfigured', `providers.${name}.type: unknown provider type ${JSON.stringify(raw.type)}`, false);
    }
  }
  for (const [i, r] of config.resources.entries()) {
    const p = out.get(r.provider);
    if (p instanceof SealedSecretProvider) {
      for (const [action, settings] of Object.entries(r.actions)) {
        const parsed = sealedSecretAction.safeParse(settings);
        if (!parsed.success || !p.has(parsed.data.secret))
          throw new ProviderError('misconfigured', `resources[${i}].actions.${action}: name a secret of provider ${r.provider} as { secret: NAME }`, false);
      }
    }
  }
  return out;
}
