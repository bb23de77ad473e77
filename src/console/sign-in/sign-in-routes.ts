import type { Context } from 'hono';
import { humanFrom, type Human } from '../../approvals/approvers.ts';
import { draft } from '../../audit/event.ts';
import type { Deps } from '../../deps.ts';
import { randomToken } from '../../model/grant.ts';
import { isAdminKey } from '../../identity/bearer-auth.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import type { ConsoleEnv, RegisterPages } from '../console-env.ts';
import { clearCookies, clearLoginCookie, readCookies, setLoginCookie, setSessionCookie } from '../cookies.ts';
import { readConsoleForm } from '../guard.ts';
import { h } from '../../lib/html.ts';
import { page } from '../layout.ts';
import { LOGIN_TTL_SECONDS, signLoginState, signSession, verifyLoginState, verifySession } from '../session.ts';
import { currentSession } from '../live-session.ts';
import { isConsoleAdmin, type Viewer } from '../viewer.ts';
import { finishSignIn, startSignIn } from './oidc.ts';

export const HOME = '/console/approvals';

/**
 * Signing in: OpenID Connect at the configured issuer, a dev sign-in for the dev humans (dev mode
 * only: config refuses it on any issuer but loopback http), or a bootstrap admin key. Each sign-in
 * is audited (`console.signed_in`). Failures answer 401, which the per-address quota counts.
 */
export const registerSignIn: RegisterPages = (ui, deps) => {
  const cfg = deps.config.console;

  ui.get('/sign-in', async (c) => {
    if (await currentSession(deps, readCookies(c, deps).session)) return c.redirect(HOME, 303);
    const csrf = randomToken(24);
    setLoginCookie(c, deps, await signLoginState(deps, { csrf }), LOGIN_TTL_SECONDS);
    return c.html(signInPage(deps, csrf, c.req.query('signed_out') === '1' ? 'You are signed out.' : null));
  });

  ui.get('/login', async (c) => {
    if (!cfg.oidc) throw new OAuthError('not_found', 'OpenID Connect sign-in is not configured');
    const { location, state } = await startSignIn(deps, cfg.oidc, randomToken(24));
    setLoginCookie(c, deps, await signLoginState(deps, state), LOGIN_TTL_SECONDS);
    return c.redirect(location, 303);
  });

  ui.get('/callback', async (c) => {
    if (!cfg.oidc) throw new OAuthError('not_found', 'OpenID Connect sign-in is not configured');
    const login = await verifyLoginState(deps, readCookies(c, deps).login);
    if (!login) throw new OAuthError('invalid_client', 'this sign-in expired or did not start in this browser: start again');
    const search = new URL(c.req.url).search;
    const token = await finishSignIn(deps, cfg.oidc, search, login).catch((e: unknown) => {
      clearLoginCookie(c, deps);
      throw e instanceof OAuthError && e.code === 'access_denied' ? new OAuthError('invalid_client', e.message) : e;
    });
    const human = humanFrom(token);
    const kind = token.kind === 'admin' ? 'admin' : 'human';
    clearLoginCookie(c, deps);
    await begin(c, deps, { id: human.id, human, admin: isConsoleAdmin(deps.config, human, kind), via: 'oidc' });
    // The redirect chain started at the identity provider, so the browser would not send the
    // SameSite=Strict session cookie on a redirect from here; a page of this origin moving on does.
    return c.html(continuePage(), 200);
  });

  ui.post('/sign-in/dev', async (c) => {
    const dev = cfg.dev_sign_in;
    if (!dev) throw new OAuthError('not_found', 'dev sign-in is not configured');
    const form = await readConsoleForm(c, deps, await loginCsrf(c, deps));
    const name = form.get('human') ?? '';
    if (!dev.humans.includes(name)) throw new OAuthError('invalid_client', 'not one of the dev humans');
    const issuer = deps.config.trust.issuers.find((i) => i.name === dev.issuer)!;
    // What `tollgate dev-token --human NAME` would assert: this subject at the dev issuer, no vouched claims.
    const human: Human = { id: `${issuer.issuer}#${name}`, email: null, groups: [] };
    await begin(c, deps, { id: human.id, human, admin: isConsoleAdmin(deps.config, human, 'human'), via: 'dev' });
    return c.redirect(HOME, 303);
  });

  ui.post('/sign-in/key', async (c) => {
    if (!cfg.admin_key_sign_in) throw new OAuthError('not_found', 'admin key sign-in is turned off');
    const form = await readConsoleForm(c, deps, await loginCsrf(c, deps));
    if (!(await isAdminKey(deps, (form.get('key') ?? '').trim()))) throw new OAuthError('invalid_client', 'invalid admin key');
    await begin(c, deps, { id: 'admin-key', human: null, admin: true, via: 'admin-key' });
    return c.redirect(HOME, 303);
  });

  ui.post('/sign-out', async (c) => {
    const session = await verifySession(deps, readCookies(c, deps).session);
    if (session) await readConsoleForm(c, deps, session.csrf);
    clearCookies(c, deps);
    return c.redirect('/console/sign-in?signed_out=1', 303);
  });
};

async function loginCsrf(c: Context<ConsoleEnv>, deps: Deps): Promise<string> {
  const login = await verifyLoginState(deps, readCookies(c, deps).login);
  if (!login) throw new OAuthError('access_denied', 'the sign-in page expired: reload it');
  return login.csrf;
}

async function begin(c: Context<ConsoleEnv>, deps: Deps, viewer: Viewer): Promise<void> {
  const { token } = await signSession(deps, viewer);
  await deps.store.appendAudit(
    draft('console.signed_in', deps.now(), { request_id: c.get('requestId'), ...(viewer.human ? { principal: viewer.human.id } : {}), detail: { by: viewer.id, via: viewer.via, admin: viewer.admin } }),
  );
  setSessionCookie(c, deps, token, deps.config.console.session_ttl);
}

function signInPage(deps: Deps, csrf: string, notice: string | null) {
  const cfg = deps.config.console;
  const options = [];
  if (cfg.oidc) options.push(h`<section class="panel"><h2>Single sign-on</h2><p><a class="button" href="/console/login">${cfg.oidc.label}</a></p></section>`);
  if (cfg.dev_sign_in)
    options.push(h`<section class="panel"><h2>Dev sign-in</h2><p class="muted">Dev mode only: sign in as a dev human, as <code>tollgate dev-token --human NAME</code> would.</p>
      <form method="post" action="/console/sign-in/dev" class="inline"><input type="hidden" name="csrf" value="${csrf}">
      ${cfg.dev_sign_in.humans.map((name) => h`<button type="submit" name="human" value="${name}">Sign in as ${name}</button>`)}</form></section>`);
  if (cfg.admin_key_sign_in && deps.config.trust.admin_key_hashes.length > 0)
    options.push(h`<section class="panel"><h2>Bootstrap admin key</h2><p class="muted">For a first sign-in, before single sign-on is set up.</p>
      <form method="post" action="/console/sign-in/key" class="inline"><input type="hidden" name="csrf" value="${csrf}">
      <label>Admin key <input type="password" name="key" autocomplete="off" required maxlength="200"></label><button type="submit">Sign in</button></form></section>`);
  if (options.length === 0) options.push(h`<p>No sign-in method is configured (<code>console.oidc</code>, or a bootstrap admin key).</p>`);
  return page({ title: 'Sign in', section: 'sign-in', session: null, notice: notice ? h`${notice}` : null }, h`${options}`);
}

function continuePage() {
  return h`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=${HOME}"><title>Signed in · Tollgate</title></head>
<body><p>Signed in. <a href="${HOME}">Continue to the console</a>.</p></body></html>`;
}
