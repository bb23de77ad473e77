import type { Context, MiddlewareHandler } from 'hono';
import type { Deps } from '../deps.ts';
import { constantTimeEqual } from '../lib/digest.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { readForm } from '../lib/read-body.ts';
import { CONTENT_SECURITY_POLICY } from '../lib/content-security-policy.ts';
import { stampHeaders } from '../http/stamp-headers.ts';

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  stampHeaders(c, {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-frame-options': 'DENY',
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    ...(c.res.headers.has('cache-control') ? {} : { 'cache-control': 'no-store' }),
  });
};

/**
 * Every state-changing request must come from one of this console's own pages: its `Origin` is
 * this issuer's origin (browsers send it on every POST), and where the browser says where the
 * request came from (`Sec-Fetch-Site`), it says `same-origin`. A form posted from another site
 * fails here, before any session or CSRF token is looked at.
 */
export function checkSameOrigin(c: Context, deps: Deps): void {
  const origin = c.req.header('origin');
  if (origin === undefined || origin !== new URL(deps.config.server.issuer).origin) throw new OAuthError('access_denied', 'this form must be sent from the console itself (Origin)');
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') throw new OAuthError('access_denied', 'this form must be sent from the console itself (Sec-Fetch-Site)');
}

/** A console form, bounded like every request body, whose `csrf` field must equal `expected`. */
export async function readConsoleForm(c: Context, deps: Deps, expected: string): Promise<Map<string, string>> {
  checkSameOrigin(c, deps);
  const form = await readForm(c.req.raw, deps.config.server.limits.max_body_bytes);
  const given = form.get('csrf') ?? '';
  if (!constantTimeEqual(given, expected)) throw new OAuthError('access_denied', 'the form is stale or was not made by this console (CSRF token): reload the page');
  return form;
}

/** Admin pages and actions: the same bar as the admin API. */
export function requireAdmin(session: { viewer: { admin: boolean } }): void {
  if (!session.viewer.admin) throw new OAuthError('access_denied', 'this needs a console admin');
}
