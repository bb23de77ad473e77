import type { TrustedIssuerConfig } from '../config/schema.ts';
import { createKeySource, type KeySourceOptions, type KeySource } from './key-source.ts';
import { isTrustDomain } from './spiffe-id.ts';

/** One trusted issuer, with everything a per-token check needs prepared once. */
export interface CompiledIssuer {
  readonly config: TrustedIssuerConfig;
  readonly keys: KeySource;
  readonly algorithms: ReadonlySet<string>;
  /** null when the issuer may not assert SPIFFE IDs */
  readonly trustDomains: ReadonlySet<string> | null;
  /** anchored; null when any subject is allowed */
  readonly subjectPatterns: readonly RegExp[] | null;
}

/**
 * Validates what the zod schema cannot (trust domain syntax, regex syntax) and compiles it,
 * so bad configuration stops the start-up with the issuer's name instead of failing per token.
 */
export function compileIssuer(config: TrustedIssuerConfig, opts: KeySourceOptions): CompiledIssuer {
  const where = `trust issuer ${config.name}`;
  let trustDomains: Set<string> | null = null;
  if (config.spiffe_trust_domains) {
    for (const td of config.spiffe_trust_domains) {
      if (!isTrustDomain(td)) throw new Error(`${where}: "${td}" is not a valid SPIFFE trust domain`);
    }
    trustDomains = new Set(config.spiffe_trust_domains);
  }
  let subjectPatterns: RegExp[] | null = null;
  if (config.subject_patterns) {
    subjectPatterns = config.subject_patterns.map((p, i) => {
      try {
        // Anchored whole-string match: `spiffe://td/ci` must not also admit `spiffe://td/ci-evil`.
        return new RegExp(`^(?:${p})$`);
      } catch {
        throw new Error(`${where}: subject_patterns[${i}] is not a valid regular expression`);
      }
    });
  }
  return {
    config,
    keys: createKeySource(config, opts),
    algorithms: new Set(config.algorithms),
    trustDomains,
    subjectPatterns,
  };
}
