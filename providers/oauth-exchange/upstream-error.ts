import * as oauth from 'oauth4webapi';
import { clean } from '../../src/log.ts';
import { ProviderError } from '../provider.ts';

/**
 * Turns whatever an upstream call threw into a ProviderError that says whether retrying can
 * help: no answer, a timeout, 5xx or 429 is retryable; an OAuth error (invalid_grant,
 * invalid_client, invalid_target, invalid_scope, any other 4xx) or a malformed answer is not.
 * Messages carry the HTTP status, the OAuth error code and the upstream's description (bounded,
 * without control characters, and with any of `secrets` it might echo cut out), never the
 * library error's `cause`, which can hold the response body and so the token.
 */
export function upstreamError(e: unknown, call: string, secrets: readonly (string | null)[]): ProviderError {
  if (e instanceof ProviderError) return e;
  if (e instanceof oauth.ResponseBodyError) return byStatus(e.status, call, describe(e.error, e.error_description, secrets));
  if (e instanceof oauth.WWWAuthenticateChallengeError) {
    void e.response.body?.cancel();
    const challenge = e.cause[0];
    return byStatus(e.status, call, describe(challenge?.parameters.error ?? challenge?.scheme ?? 'challenge', challenge?.parameters.error_description, secrets));
  }
  if (e instanceof oauth.OperationProcessingError) {
    if (e.code === oauth.RESPONSE_IS_NOT_CONFORM && e.cause instanceof Response) {
      void e.cause.body?.cancel();
      return byStatus(e.cause.status, call, 'no OAuth error in the body');
    }
    // The library's messages are fixed text ("\"response\" body \"access_token\" property must be a string").
    return new ProviderError('upstream_refused', `${call}: the upstream's answer is not valid OAuth (${e.message})`, false);
  }
  if (e instanceof oauth.UnsupportedOperationError) return new ProviderError('upstream_refused', `${call}: ${e.message} (Tollgate hands out bearer tokens only)`, false);
  if (e instanceof DOMException && e.name === 'TimeoutError') return new ProviderError('upstream_unavailable', `${call}: the upstream did not answer in time`, true);
  if (e instanceof DOMException && e.name === 'AbortError') return new ProviderError('upstream_unavailable', `${call}: cancelled before the upstream answered`, true);
  // fetch rejects with a TypeError when it cannot connect; anything else unexpected is treated alike.
  return new ProviderError('upstream_unavailable', `${call}: the upstream is unreachable`, true);
}

function byStatus(status: number, call: string, detail: string): ProviderError {
  const retryable = status === 429 || status >= 500;
  return new ProviderError(retryable ? 'upstream_unavailable' : 'upstream_refused', `${call}: the upstream answered HTTP ${status} (${detail})`, retryable);
}

function describe(error: string, description: string | undefined, secrets: readonly (string | null)[]): string {
  let text = description ? `${error}: ${description}` : error;
  for (const s of secrets) if (s) text = text.split(s).join('[redacted]');
  return clean(text).slice(0, 300);
}
