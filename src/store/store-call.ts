import { OAuthError } from '../lib/oauth-error.ts';
import { GrantRefused } from './store-errors.ts';

/**
 * Fail closed: when the store (and with it the audit log) cannot answer, the request gets 503
 * and nothing is issued. The cause is logged by the caller's error handler, never returned.
 */
export async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    // A refusal is the store's answer, not its failure: the caller turns it into a denial.
    if (e instanceof OAuthError || e instanceof GrantRefused) throw e;
    throw new OAuthError('temporarily_unavailable', 'store unavailable', {}, e);
  }
}
