import { SignJWT, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Deps } from '../deps.ts';
import { randomToken } from '../model/grant.ts';
import type { SignInMethod, Viewer } from './viewer.ts';

/**
 * A console session is a JWT Tollgate signs with its own key, kept in an HttpOnly cookie: every
 * node (and every Workers isolate) can verify it, and nothing is stored server-side. Its `typ`
 * and audience are its own, so it never passes for a grant token (`at+jwt`) or the reverse.
 * It carries the CSRF token the session's forms must echo (the cookie itself is unreadable to
 * scripts and never sent cross-site). Stateless means a session cannot be cut short from the
 * server: its lifetime is `console.session_ttl` (default 30 minutes), and signing out deletes it.
 */
const SESSION_TYP = 'tollgate-console-session+jwt';
/** The state of an OpenID Connect sign-in in flight (state, nonce, PKCE verifier) and the sign-in forms' CSRF token. */
const LOGIN_TYP = 'tollgate-console-login+jwt';
export const LOGIN_TTL_SECONDS = 600;
/** Groups carried in a session at most (a cookie holds about 4 KB). */
const MAX_GROUPS = 32;

export interface Session {
  viewer: Viewer;
  csrf: string;
  /** epoch ms, to the second */
  issuedAt: number;
  expiresAt: number;
}

export interface LoginState {
  csrf: string;
  state?: string;
  nonce?: string;
  verifier?: string;
}

const audience = (deps: Deps) => `${issuerBase(deps)}/console`;

export function issuerBase(deps: Deps): string {
  return deps.config.server.issuer.replace(/\/+$/, '');
}

export async function signSession(deps: Deps, viewer: Viewer): Promise<{ token: string; session: Session }> {
  const now = deps.now();
  const expiresAt = now + deps.config.console.session_ttl * 1000;
  const csrf = randomToken(24);
  const h = viewer.human;
  const claims = { adm: viewer.admin, via: viewer.via, csrf, ...(h ? { hum: true, email: h.email, groups: h.groups.slice(0, MAX_GROUPS) } : {}) };
  const token = await sign(deps, SESSION_TYP, viewer.id, claims, now, expiresAt);
  return { token, session: { viewer: { ...viewer, ...(h ? { human: { ...h, groups: h.groups.slice(0, MAX_GROUPS) } } : {}) }, csrf, issuedAt: Math.floor(now / 1000) * 1000, expiresAt } };
}

export async function verifySession(deps: Deps, token: string | undefined): Promise<Session | null> {
  const p = await verify(deps, SESSION_TYP, token);
  if (!p || typeof p.sub !== 'string' || typeof p.csrf !== 'string' || typeof p.adm !== 'boolean' || !isMethod(p.via)) return null;
  const human =
    p.hum === true
      ? { id: p.sub, email: typeof p.email === 'string' ? p.email : null, groups: Array.isArray(p.groups) ? p.groups.filter((g): g is string => typeof g === 'string') : [] }
      : null;
  return { viewer: { id: p.sub, human, admin: p.adm, via: p.via }, csrf: p.csrf, issuedAt: (p.iat ?? 0) * 1000, expiresAt: p.exp! * 1000 };
}

export async function signLoginState(deps: Deps, state: LoginState): Promise<string> {
  const now = deps.now();
  return sign(deps, LOGIN_TYP, 'login', { ...state }, now, now + LOGIN_TTL_SECONDS * 1000);
}

export async function verifyLoginState(deps: Deps, token: string | undefined): Promise<LoginState | null> {
  const p = await verify(deps, LOGIN_TYP, token);
  if (!p || typeof p.csrf !== 'string') return null;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const out: LoginState = { csrf: p.csrf };
  for (const k of ['state', 'nonce', 'verifier'] as const) {
    const v = str(p[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

async function sign(deps: Deps, typ: string, sub: string, claims: Record<string, unknown>, now: number, expiresAt: number): Promise<string> {
  const { keyring } = deps;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: keyring.current.alg, kid: keyring.current.kid, typ })
    .setIssuer(issuerBase(deps))
    .setAudience(audience(deps))
    .setSubject(sub)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .sign(keyring.current.key);
}

async function verify(deps: Deps, typ: string, token: string | undefined): Promise<JWTPayload | null> {
  if (!token || token.length > 8192) return null;
  try {
    const { payload } = await jwtVerify(token, deps.keyring.verifyKey, {
      typ,
      issuer: issuerBase(deps),
      audience: audience(deps),
      algorithms: deps.keyring.algorithms,
      requiredClaims: ['exp', 'iat', 'sub'],
      currentDate: new Date(deps.now()),
    });
    return payload;
  } catch (e) {
    if (e instanceof errors.JOSEError || e instanceof TypeError) return null;
    throw e;
  }
}

function isMethod(v: unknown): v is SignInMethod {
  return v === 'oidc' || v === 'dev' || v === 'admin-key';
}
