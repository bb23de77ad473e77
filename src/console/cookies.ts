import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Deps } from '../deps.ts';
import { isLoopbackHttp } from '../lib/loopback.ts';

export interface CookieNames {
  session: string;
  login: string;
  secure: boolean;
  path: string;
}

/**
 * `Secure` everywhere but a loopback http issuer (dev mode on a developer's machine), where a
 * browser would not send a Secure cookie back. Served over https the names carry `__Host-`, so
 * the browser only accepts them from this exact origin, Secure, on path `/`.
 */
export function cookieNames(deps: Deps): CookieNames {
  const secure = !isLoopbackHttp(new URL(deps.config.server.issuer));
  return secure
    ? { session: '__Host-tollgate-console', login: '__Host-tollgate-console-login', secure, path: '/' }
    : { session: 'tollgate-console', login: 'tollgate-console-login', secure, path: '/console' };
}

/** The session: `SameSite=Strict`, so no other site's page ever makes a request that carries it. */
export function setSessionCookie(c: Context, deps: Deps, token: string, maxAgeSeconds: number): void {
  const n = cookieNames(deps);
  setCookie(c, n.session, token, { httpOnly: true, secure: n.secure, sameSite: 'Strict', path: n.path, maxAge: maxAgeSeconds });
}

/**
 * The sign-in state: `SameSite=Lax`, because the identity provider's redirect back to the
 * callback is a cross-site navigation, which Strict cookies do not follow. It holds no authority:
 * only the state, nonce and PKCE verifier of one sign-in, and the sign-in forms' CSRF token.
 */
export function setLoginCookie(c: Context, deps: Deps, token: string, maxAgeSeconds: number): void {
  const n = cookieNames(deps);
  setCookie(c, n.login, token, { httpOnly: true, secure: n.secure, sameSite: 'Lax', path: n.path, maxAge: maxAgeSeconds });
}

export function readCookies(c: Context, deps: Deps): { session: string | undefined; login: string | undefined } {
  const n = cookieNames(deps);
  return { session: getCookie(c, n.session), login: getCookie(c, n.login) };
}

export function clearCookies(c: Context, deps: Deps): void {
  const n = cookieNames(deps);
  for (const name of [n.session, n.login]) deleteCookie(c, name, { path: n.path, secure: n.secure, httpOnly: true });
}

export function clearLoginCookie(c: Context, deps: Deps): void {
  const n = cookieNames(deps);
  deleteCookie(c, n.login, { path: n.path, secure: n.secure, httpOnly: true });
}
