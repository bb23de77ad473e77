/**
 * Why a token (or a key set) was refused. Callers switch on `code`, never on `message`:
 * the HTTP layer maps every code except `keys_unavailable` to `invalid_grant`, and
 * `keys_unavailable` to 503 `temporarily_unavailable` (nothing was decided, try again).
 */
export type IdentityErrorCode =
  | 'token_too_large'
  | 'malformed'
  | 'unsupported_token'
  | 'embedded_key'
  | 'crit_unsupported'
  | 'alg_not_allowed'
  | 'untrusted_issuer'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'lifetime_too_long'
  | 'wrong_audience'
  | 'missing_claim'
  | 'bad_subject'
  | 'wrong_type'
  | 'bad_delegation'
  | 'keys_unavailable';

/** Codes that say "the verifier could not answer", not "the token is bad". */
const TEMPORARY: ReadonlySet<IdentityErrorCode> = new Set(['keys_unavailable']);

/**
 * The message is short and written by this module only: it never quotes the token, its
 * claims or a library's message (jose's claim errors carry the payload), so it is safe to log
 * and to return as an `error_description`.
 */
export class IdentityError extends Error {
  override name = 'IdentityError';
  readonly code: IdentityErrorCode;
  /** true when retrying later may succeed (key server down), false when the token is at fault */
  readonly temporary: boolean;

  constructor(code: IdentityErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.temporary = TEMPORARY.has(code);
  }
}

export function isIdentityError(e: unknown): e is IdentityError {
  return e instanceof IdentityError;
}
