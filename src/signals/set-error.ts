/** RFC 8935 §2.4 error codes (the IANA "Security Event Token Error Codes" registry). */
export type SetErrorCode = 'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience' | 'authentication_failed' | 'access_denied';

/**
 * Why a Security Event Token was refused. It answers 400 with RFC 8935's body `{err, description}`;
 * the description is written here, never copied from the token.
 */
export class SetError extends Error {
  override name = 'SetError';
  readonly code: SetErrorCode;

  constructor(code: SetErrorCode, description: string) {
    super(description);
    this.code = code;
  }

  toResponse(): Response {
    return new Response(JSON.stringify({ err: this.code, description: this.message }), {
      status: 400,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  }
}
