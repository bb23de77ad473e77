import { ZodError } from 'zod';
import type { Config } from '../src/config/schema.ts';
import type { Keyring } from '../src/keys/keyring.ts';
import type { Logger } from '../src/log.ts';
import { GrantTokenProvider } from './grant-token.ts';
import { ProviderError, type Provider } from './provider.ts';
import { SealedSecretProvider } from './sealed-secret.ts';
import { oauthExchangeProviderFactory } from './oauth-exchange/index.ts';

/** What a provider may need from Tollgate itself. */
export interface ProviderContext {
  keyring: Keyring;
  sealKey: CryptoKey | null;
  issuer: string;
  grantTokenAudience: string;
  log: Logger;
  now: () => number;
  fetch?: typeof fetch;
}

/** Builds one provider from its config section (`raw`, not yet validated: the factory parses it). */
export type ProviderFactory = (name: string, raw: unknown, ctx: ProviderContext) => Promise<Provider>;

/** The providers every runtime has; an edge adds the ones that need its libraries (node-vault, the AWS SDK). */
export const coreProviderFactories: Record<string, ProviderFactory> = {
  'grant-token': async (name, _raw, ctx) => new GrantTokenProvider({ name, keyring: ctx.keyring, issuer: ctx.issuer, defaultAudience: ctx.grantTokenAudience }),
  'sealed-secret': (name, raw, ctx) => SealedSecretProvider.create(name, raw, ctx.sealKey),
  'oauth-exchange': oauthExchangeProviderFactory,
};

/**
 * Builds every configured provider, checks each resource's per-action settings against its
 * provider, and starts them (connect, authenticate), so a misconfigured provider or catalog
 * stops the service at start with the path of the bad field rather than failing a request.
 */
export async function buildProviders(config: Config, ctx: ProviderContext, factories: Record<string, ProviderFactory> = coreProviderFactories): Promise<Map<string, Provider>> {
  const out = new Map<string, Provider>();
  for (const [name, raw] of Object.entries(config.providers)) {
    const factory = factories[raw.type];
    if (!factory) throw new ProviderError('misconfigured', `providers.${name}.type: unknown provider type ${JSON.stringify(raw.type)} (known: ${Object.keys(factories).join(', ')})`, false);
    try {
      out.set(name, await factory(name, raw, ctx));
    } catch (e) {
      throw atPath(e, `providers.${name}`);
    }
  }
  for (const [i, r] of config.resources.entries()) {
    try {
      out.get(r.provider)?.checkResource?.(r);
    } catch (e) {
      throw atPath(e, `resources[${i}]`);
    }
  }
  for (const [name, p] of out) {
    try {
      await p.start?.();
    } catch (e) {
      throw atPath(e, `providers.${name}`);
    }
  }
  return out;
}

function atPath(e: unknown, path: string): unknown {
  if (e instanceof ZodError) {
    const first = e.issues[0];
    const sub = first?.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') ?? '';
    return new ProviderError('misconfigured', `${path}${sub}: ${first?.message ?? 'invalid'}`, false);
  }
  if (e instanceof ProviderError) return new ProviderError(e.code, `${path}: ${e.message}`, e.retryable);
  return e;
}
