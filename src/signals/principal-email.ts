import type { JWTPayload } from 'jose';
import type { Deps } from '../deps.ts';

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_EMAIL_CHARS = 320;
/** Principals whose email this process has already written; bounded, forgotten wholesale when full. */
const MAX_REMEMBERED = 10_000;
const written = new WeakMap<Deps, Map<string, string>>();

/**
 * The human token's `email`, lower-cased, unless the issuer says it is unverified
 * (`email_verified: false`). Access tokens often carry `email` without `email_verified`.
 */
export function verifiedEmail(claims: JWTPayload): string | null {
  const e = claims.email;
  if (typeof e !== 'string' || e.length > MAX_EMAIL_CHARS || !EMAIL.test(e)) return null;
  if (claims.email_verified === false || claims.email_verified === 'false') return null;
  return e.toLowerCase();
}

/**
 * Keeps the email → principal index for email subjects of signals. Written once per principal
 * and address per process, so the exchange hot path pays a store write only the first time.
 */
export async function noteEmail(deps: Deps, principal: string, email: string): Promise<void> {
  let mine = written.get(deps);
  if (!mine) written.set(deps, (mine = new Map()));
  if (mine.get(principal) === email) return;
  await deps.store.rememberEmail(principal, email, deps.now());
  if (mine.size >= MAX_REMEMBERED) mine.clear();
  mine.set(principal, email);
}
