/** Why the Worker cannot serve. Each code names one thing an operator fixes; none carries a secret. */
export type StartupErrorCode =
  | 'config_missing'
  | 'config_invalid'
  | 'binding_missing'
  | 'signing_key_invalid'
  | 'policy_invalid'
  | 'provider_unavailable'
  | 'store_unavailable';

/**
 * A Worker that cannot build its whole service answers every request with this, never a
 * half-working subset. `retryable` errors (an upstream or the store down at start) are tried
 * again on a later request; configuration errors wait for a new deployment.
 */
export class StartupError extends Error {
  override name = 'StartupError';
  readonly code: StartupErrorCode;
  readonly retryable: boolean;
  constructor(code: StartupErrorCode, message: string, retryable = false, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retryable = retryable;
  }

  toResponse(): Response {
    return Response.json(
      { error: 'server_error', error_code: this.code, error_description: `Tollgate cannot start: ${this.message}` },
      { status: 500, headers: { 'cache-control': 'no-store' } },
    );
  }
}
