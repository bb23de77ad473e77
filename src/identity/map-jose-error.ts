import { errors } from 'jose';
import { IdentityError, type IdentityErrorCode } from './identity-error.ts';

/** jose claim name → our code, for ERR_JWT_CLAIM_VALIDATION_FAILED with reason `check_failed`. */
const CLAIM_CODES: Record<string, IdentityErrorCode> = {
  aud: 'wrong_audience',
  iss: 'untrusted_issuer',
  nbf: 'not_yet_valid',
  exp: 'expired',
  typ: 'wrong_type',
  sub: 'bad_subject',
};

/**
 * Turns whatever jose threw into an IdentityError with our own short message. jose's own
 * messages and `cause`s are dropped on purpose: claim errors carry the decoded payload.
 */
export function fromJoseError(e: unknown): IdentityError {
  if (e instanceof IdentityError) return e;
  if (!(e instanceof errors.JOSEError)) return new IdentityError('bad_signature', 'token could not be verified');
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return new IdentityError('expired', 'token has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const { claim, reason } = e as errors.JWTClaimValidationFailed;
      if (reason === 'missing') return new IdentityError('missing_claim', `token has no "${claim}" claim`);
      if (reason === 'invalid') return new IdentityError('malformed', `token "${claim}" claim has the wrong type`);
      const code = CLAIM_CODES[claim] ?? 'malformed';
      return new IdentityError(code, `token "${claim}" check failed`);
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new IdentityError('bad_signature', 'token signature is invalid');
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return new IdentityError('unknown_key', 'no key of the issuer matches the token');
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new IdentityError('bad_signature', 'token signature is invalid');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new IdentityError('alg_not_allowed', 'token algorithm is not allowed');
    // A broken key in the issuer's set is the issuer's fault, not the token's.
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'ERR_JWK_INVALID':
      return new IdentityError('keys_unavailable', 'issuer keys are unavailable');
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    default:
      return new IdentityError('malformed', 'token is malformed');
  }
}
