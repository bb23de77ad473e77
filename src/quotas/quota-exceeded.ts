import { OAuthError } from '../lib/oauth-error.ts';

/**
 * 429 with `Retry-After` (RFC 9110 §10.2.3) and an RFC 6749 §5.2 body whose code is `slow_down`
 * (the registered OAuth error for "poll less often", RFC 8628 §3.5). Callers retry after the
 * stated seconds; nothing was decided or recorded.
 */
export class QuotaExceeded extends OAuthError {
  readonly retryAfterSeconds: number;
  constructor(what: string, retryAfterSeconds: number) {
    super('slow_down', `${what}: retry after ${retryAfterSeconds}s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  override toResponse(): Response {
    const res = super.toResponse();
    res.headers.set('retry-after', String(this.retryAfterSeconds));
    return res;
  }
}
