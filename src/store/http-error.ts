import { OAuthError } from '../lib/oauth-error.ts';
import { StoreRefused, StoreUnavailable } from './store-errors.ts';

/**
 * The one place a store failure becomes an HTTP answer. Fail closed: when the store (and with it
 * the audit log) cannot answer, the request gets 503 and nothing is issued; the cause is logged
 * by the error handler, never returned. An OAuthError stays what it is; anything else is not an
 * answer (null).
 */
export function httpErrorOf(e: unknown): OAuthError | null {
  if (e instanceof OAuthError) return e;
  if (e instanceof StoreRefused) return new OAuthError('invalid_request', 'malformed cursor', {}, e);
  if (e instanceof StoreUnavailable) return new OAuthError('temporarily_unavailable', 'store unavailable', {}, e);
  return null;
}
