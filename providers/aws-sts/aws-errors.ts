import { ProviderError } from '../provider.ts';

// AWS SDK v3 failures as ProviderErrors. A service error carries its AWS error code and HTTP
// status; a failure without a status never reached AWS (network, timeout, abort, no credentials).
// Only the code, status and request id are kept: AWS's message text is not passed on, so nothing
// the SDK or AWS echoes back can reach an error body or a log.

/** Codes AWS uses for "slow down" and for a briefly failing dependency: worth trying again. */
const RETRYABLE = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'RequestThrottled', 'IDPCommunicationError', 'LimitExceeded']);

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** `call` names the operation, e.g. "STS AssumeRole". */
export function fromAwsError(e: unknown, call: string): ProviderError {
  if (e instanceof ProviderError) return e;
  const err = (typeof e === 'object' && e !== null ? e : {}) as SdkError;
  const status = err.$metadata?.httpStatusCode;
  if (status === undefined) {
    if (err.name === 'AbortError' || err.name === 'TimeoutError') return new ProviderError('upstream_unavailable', `${call}: timed out`, true);
    if (err.name === 'CredentialsProviderError') return new ProviderError('upstream_unavailable', `${call}: Tollgate's own AWS credentials could not be loaded`, true);
    return new ProviderError('upstream_unavailable', `${call}: AWS could not be reached`, true);
  }
  const code = err.Code ?? err.name ?? 'UnknownError';
  const ref = `${call}: ${code} (HTTP ${status}${err.$metadata?.requestId ? `, request ${err.$metadata.requestId}` : ''})`;
  if (code === 'PackedPolicyTooLarge') return new ProviderError('scope_too_large', `${ref}: the session policy and tags are too large once packed; ask for fewer actions`, false);
  if (status >= 500 || RETRYABLE.has(code)) return new ProviderError('upstream_unavailable', ref, true);
  return new ProviderError('upstream_refused', ref, false);
}
