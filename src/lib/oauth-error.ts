// RFC 6749 §5.2 error codes, plus RFC 8693's invalid_target, RFC 8628's authorization_pending and
// expired_token (reused for approval waits), slow_down (429, quotas) and the 503 code for "the store, policy or upstream cannot answer".
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_token_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'insufficient_scope'
  | 'authorization_pending'
  | 'temporarily_unavailable'
  | 'server_error'
  | 'not_found'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'conflict'
  | 'expired_token'
  | 'slow_down';

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  unsupported_token_type: 400,
  invalid_scope: 400,
  invalid_target: 400,
  access_denied: 403,
  // RFC 6750 §3.1: the token is good, but not for this action or resource.
  insufficient_scope: 403,
  authorization_pending: 400,
  temporarily_unavailable: 503,
  server_error: 500,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  conflict: 409,
  expired_token: 400,
  // RFC 6585 §4: a quota (src/quotas/) refused it; Retry-After says when to come back.
  slow_down: 429,
};

/** An error that knows its response. Descriptions are for humans and never carry secrets or tokens. */
export class OAuthError extends Error {
  override name = 'OAuthError';
  readonly code: OAuthErrorCode;
  readonly status: number;
  readonly extra: Record<string, string>;
  /** `status` overrides the code's usual one where the standard code fits but its status does not (a freeze). */
  constructor(code: OAuthErrorCode, description: string, extra: Record<string, string> = {}, cause?: unknown, status?: number) {
    super(description, cause === undefined ? undefined : { cause });
    this.code = code;
    this.status = status ?? STATUS[code];
    this.extra = extra;
  }

  toResponse(): Response {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
    if (this.status === 401) headers['www-authenticate'] = 'Bearer';
    if (this.status === 503) headers['retry-after'] = '5';
    return new Response(JSON.stringify({ error: this.code, error_description: this.message, ...this.extra }), {
      status: this.status,
      headers,
    });
  }
}
