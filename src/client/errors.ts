/**
 * Every failure of the client SDK is a TollgateError whose `code` callers switch on: the OAuth
 * error code Tollgate answered (RFC 6749 §5.2 and the extensions Tollgate uses), or one of the
 * client's own codes when no answer came. Messages never carry tokens or credentials.
 */
export type TollgateErrorCode =
  // answered by Tollgate
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_token'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_token_type'
  | 'invalid_scope'
  | 'insufficient_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'temporarily_unavailable'
  | 'server_error'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  // the client's own
  | 'network_error'
  | 'invalid_response'
  | 'disposed'
  | 'aborted';

/** Worth trying again unchanged, later: nothing was refused for good. */
const RETRYABLE = new Set<TollgateErrorCode>(['temporarily_unavailable', 'server_error', 'network_error', 'authorization_pending', 'slow_down']);

export interface TollgateErrorInit {
  /** HTTP status of Tollgate's answer; 0 when none came */
  status?: number;
  approvalId?: string;
  /** seconds from a Retry-After header */
  retryAfter?: number;
  cause?: unknown;
}

export class TollgateError extends Error {
  override name = 'TollgateError';
  readonly code: TollgateErrorCode;
  readonly status: number;
  /** Tollgate's `error_description`, or the client's own explanation */
  readonly description: string;
  /** set with `authorization_pending`: retry the same request with this approval_id once approved */
  readonly approvalId: string | undefined;
  readonly retryAfter: number | undefined;
  /** whether the same request may succeed later */
  readonly retryable: boolean;

  constructor(code: TollgateErrorCode, description: string, init: TollgateErrorInit = {}) {
    super(`${code}: ${description}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.status = init.status ?? 0;
    this.description = description;
    this.approvalId = init.approvalId;
    this.retryAfter = init.retryAfter;
    this.retryable = RETRYABLE.has(code);
  }
}

/** `e` is a TollgateError (with one of `codes`, when given). */
export function isTollgateError(e: unknown, ...codes: TollgateErrorCode[]): e is TollgateError {
  return e instanceof TollgateError && (codes.length === 0 || codes.includes(e.code));
}

/** A grant (or a call) waits for a human: `e.approvalId` is what to retry with. */
export function isAuthorizationPending(e: unknown): e is TollgateError & { approvalId: string } {
  return isTollgateError(e, 'authorization_pending') && typeof e.approvalId === 'string';
}
