import { Hono, type Context } from 'hono';
import type { RegisterRoutes } from '../http/env.ts';
import type { Deps } from '../deps.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import type { ConsoleEnv } from './console-env.ts';
import { readCookies } from './cookies.ts';
import { securityHeaders } from './guard.ts';
import { h } from '../lib/html.ts';
import { page } from './layout.ts';
import { currentSession } from './live-session.ts';
import { STYLESHEET } from '../lib/page-styles.ts';
import { HOME, registerSignIn } from './sign-in/sign-in-routes.ts';
import { registerApprovalPages } from './pages/approvals.ts';
import { registerGrantPages } from './pages/grants.ts';
import { registerAgentPages } from './pages/agents.ts';
import { registerRevocationPages } from './pages/revocations.ts';
import { registerAuditPages } from './pages/audit.ts';
import { registerEmergencyPages } from './pages/emergency.ts';
import { httpErrorOf } from '../store/http-error.ts';

/**
 * The console at /console: server-rendered pages on the same app (Node and Workers alike), no
 * script, nothing from another origin. Every action calls the same flows as the API (approvals,
 * freezes, revocations, blocks), so the same rules decide and the same events are audited, with
 * the signed-in person as who did it.
 */
export const registerConsole: RegisterRoutes = (app, deps) => {
  if (!deps.config.console.enabled) return;
  const ui = new Hono<ConsoleEnv>();
  ui.onError((err, c) => errorPage(deps, err, c));
  ui.use('*', securityHeaders);
  const css = STYLESHEET;
  ui.get('/assets/console.css', (c) => c.body(css, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300' }));
  registerSignIn(ui, deps);

  // Everything below needs a session; without one a page sends the browser to sign in.
  ui.use('*', async (c, next) => {
    const session = await currentSession(deps, readCookies(c, deps).session);
    if (!session) {
      if (c.req.method === 'GET') return c.redirect('/console/sign-in', 303);
      throw new OAuthError('invalid_client', 'not signed in (or the session expired): sign in again');
    }
    c.set('session', session);
    await next();
  });
  ui.get('/', (c) => c.redirect(HOME, 303));
  for (const register of [registerApprovalPages, registerGrantPages, registerAgentPages, registerRevocationPages, registerAuditPages, registerEmergencyPages]) register(ui, deps);
  ui.all('*', () => {
    throw new OAuthError('not_found', 'no such page');
  });
  app.route('/console', ui);
};

const TITLES: Record<number, string> = { 400: 'Bad request', 401: 'Sign-in needed', 403: 'Refused', 404: 'Not found', 409: 'Conflict', 413: 'Too large', 429: 'Slow down' };

async function errorPage(deps: Deps, thrown: Error, c: Context<ConsoleEnv>) {
  const known = httpErrorOf(thrown);
  const err = known ?? thrown;
  const status = known ? known.status : 500;
  if (!known || status >= 500) deps.log.log('error', known ? err.message : 'unhandled console error', { request_id: c.get('requestId'), cause: `${thrown.name}: ${thrown.message}`.slice(0, 500) });
  const session = c.get('session') ?? null;
  const freezes = session ? await deps.store.activeFreezes().catch(() => []) : [];
  const description = known && status < 500 ? err.message : status === 503 ? 'The store or an upstream is not answering; nothing was changed. Try again.' : 'Internal error; nothing more is shown here (see the server log).';
  const next = status === 401 ? h`<p><a href="/console/sign-in">Sign in</a></p>` : h`<p><a href="${session ? HOME : '/console/sign-in'}">Back to the console</a></p>`;
  return c.html(page({ title: TITLES[status] ?? (status === 503 ? 'Unavailable' : 'Error'), section: 'sign-in', session, freezes }, h`<p class="notice error">${description}</p>${next}`), status as 400);
}
