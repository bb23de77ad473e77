import { createLocalJWKSet } from 'jose';
import type { TrustedIssuerConfig } from '../config/schema.ts';
import type { IdentityError } from './identity-error.ts';
import { createRemoteJwks, JWKS_DEFAULTS, type JwksSharedCache, type KeyResolver } from './jwks-cache.ts';
import { asJwks, unfitJwks } from './public-jwks.ts';

/** Where one issuer's verification keys come from, whatever the configuration says. */
export interface KeySource {
  readonly getKey: KeyResolver;
  /** Loads remote keys now (no-op for inline keys); throws IdentityError('keys_unavailable'). */
  warm(): Promise<void>;
}

export interface KeySourceOptions {
  fetch?: typeof fetch;
  now?: () => number;
  onBackgroundError?: (e: IdentityError) => void;
  sharedJwksCache?: JwksSharedCache;
}

/**
 * Inline `jwks` → a local set; `jwks_uri` → a cached remote set. `jwks_file` is read by the
 * Node edge and handed over as inline `jwks` (the core does no file I/O), so a config that
 * still names only a file reached the core unresolved: that is a wiring bug, reported loudly.
 * Throws a plain Error at construction: bad key configuration must stop the start-up.
 */
export function createKeySource(issuer: TrustedIssuerConfig, opts: KeySourceOptions = {}): KeySource {
  if (issuer.jwks) {
    const unfit = unfitJwks(issuer.jwks, JWKS_DEFAULTS.maxKeys);
    if (unfit) throw new Error(`trust issuer ${issuer.name}: inline jwks ${unfit}`);
    let local: KeyResolver;
    try {
      local = createLocalJWKSet(asJwks(issuer.jwks));
    } catch (e) {
      throw new Error(`trust issuer ${issuer.name}: inline jwks is malformed`, { cause: e });
    }
    return { getKey: local, warm: async () => {} };
  }
  if (issuer.jwks_uri) {
    return createRemoteJwks({
      name: issuer.name,
      uri: issuer.jwks_uri,
      refreshSeconds: issuer.jwks_refresh,
      cooldownSeconds: issuer.jwks_cooldown,
      fetch: opts.fetch,
      now: opts.now,
      onBackgroundError: opts.onBackgroundError,
      ...(opts.sharedJwksCache ? { shared: opts.sharedJwksCache } : {}),
    });
  }
  if (issuer.jwks_file) {
    throw new Error(`trust issuer ${issuer.name}: jwks_file was not resolved to inline jwks before the core saw it`);
  }
  throw new Error(`trust issuer ${issuer.name}: no jwks, jwks_uri or jwks_file`);
}
