import { ProviderError } from '../provider.ts';

/** STS issues nothing shorter. */
export const STS_MIN_SECONDS = 900;

export interface DurationLimits {
  /** the role's MaxSessionDuration */
  maxSession: number;
  /** the longest the AssumeRole call may take, in seconds */
  timeout: number;
  /** how far a 900-second credential may outlive a shorter grant */
  maxOverrun: number;
}

/**
 * DurationSeconds for a grant that should end by `grantExpiresAt` (ms). STS starts the session
 * when the call reaches it — up to `timeout` from now — so that much is taken off: the
 * credential then ends no later than the grant. A grant with less than STS's 900 s left gets
 * 900 s if that outlives it by at most `maxOverrun` (the caller reports STS's real expiry);
 * beyond that nothing is issued, since STS cannot take a session back.
 */
export function sessionDuration(grantExpiresAt: number, now: number, limits: DurationLimits): number {
  const left = Math.floor((grantExpiresAt - now) / 1000);
  const fits = left - limits.timeout;
  if (fits >= STS_MIN_SECONDS) return Math.min(fits, limits.maxSession);
  if (STS_MIN_SECONDS - fits <= limits.maxOverrun) return STS_MIN_SECONDS;
  const shortest = STS_MIN_SECONDS - limits.maxOverrun + limits.timeout;
  throw new ProviderError(
    'ttl_too_short',
    `the grant has ${Math.max(0, left)} s left, but AWS STS issues credentials for at least ${STS_MIN_SECONDS} s, which would outlive the grant: ask for a TTL of at least ${shortest} s`,
    false,
  );
}
