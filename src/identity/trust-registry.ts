import type { TrustedIssuerConfig } from '../config/schema.ts';
import { compileIssuer, type CompiledIssuer } from './compile-issuer.ts';
import { IdentityError } from './identity-error.ts';
import type { JwksSharedCache } from './jwks-cache.ts';
import { inspectToken } from './inspect-token.ts';
import type { IssuerKind, VerifiedToken } from './verified-token.ts';
import { verifyWithIssuer } from './verify-token.ts';

export type { IssuerKind, VerifiedToken } from './verified-token.ts';

export interface TrustRegistry {
  /** Verifies a token from an issuer of one of `kinds`; throws IdentityError. */
  verify(token: string, kinds: readonly IssuerKind[]): Promise<VerifiedToken>;
  /** Loads every remote key set; throws IdentityError('keys_unavailable') naming each failure. */
  warm(): Promise<void>;
  issuers(): TrustedIssuerConfig[];
}

export interface TrustRegistryOptions {
  fetch?: typeof fetch;
  /** epoch milliseconds */
  now?: () => number;
  clockSkewSeconds: number;
  maxTokenBytes: number;
  /** told when a background key refresh fails (the cached keys stay in use) */
  onKeyRefreshError?: (e: IdentityError, issuerName: string) => void;
  /** remote key sets shared across instances (Workers' isolates) */
  sharedJwksCache?: JwksSharedCache;
}

/**
 * The set of issuers Tollgate trusts, compiled once at start. Throws a plain Error when the
 * configuration cannot work (bad trust domain, bad pattern, bad inline keys, unresolved file).
 */
export function createTrustRegistry(issuers: TrustedIssuerConfig[], opts: TrustRegistryOptions): TrustRegistry {
  const now = opts.now ?? Date.now;
  const compiled = issuers.map((config) =>
    compileIssuer(config, {
      fetch: opts.fetch,
      now,
      onBackgroundError: opts.onKeyRefreshError && ((e) => opts.onKeyRefreshError!(e, config.name)),
      ...(opts.sharedJwksCache ? { sharedJwksCache: opts.sharedJwksCache } : {}),
    }),
  );
  // Several entries may share an `iss` (one IdP as both `human` and `admin`, with different
  // audiences); the kinds the caller accepts pick among them.
  const byIss = new Map<string, CompiledIssuer[]>();
  for (const c of compiled) byIss.set(c.config.issuer, [...(byIss.get(c.config.issuer) ?? []), c]);
  const verifyOpts = { clockSkewSeconds: opts.clockSkewSeconds, now };

  return {
    async verify(token, kinds) {
      const inspected = inspectToken(token, opts.maxTokenBytes);
      const candidates = (byIss.get(inspected.issuer) ?? []).filter((c) => kinds.includes(c.config.kind));
      if (candidates.length === 0) throw new IdentityError('untrusted_issuer', 'token issuer is not trusted here');
      // In configuration order; the first that verifies wins, else the first failure is reported.
      let firstError: IdentityError | undefined;
      for (const issuer of candidates) {
        try {
          return await verifyWithIssuer(token, inspected, issuer, verifyOpts);
        } catch (e) {
          firstError ??= e instanceof IdentityError ? e : new IdentityError('bad_signature', 'token could not be verified');
        }
      }
      throw firstError!;
    },

    async warm() {
      const results = await Promise.allSettled(compiled.map((c) => c.keys.warm()));
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [reason(r.reason)] : []));
      if (failures.length > 0) throw new IdentityError('keys_unavailable', failures.join('; '));
    },

    issuers: () => issuers.slice(),
  };
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : 'unknown error';
}
