import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, JWT_TYPE } from '../support/harness.ts';
import { TOKEN_EXCHANGE_GRANT } from '../../src/grants/exchange-request.ts';
import { launchBrowser, SCREENSHOTS, type Browser } from './support/browser.ts';
import { GATEWAY_KEY, startConsoleServer, type ConsoleServer } from './support/console-server.ts';

const FLOW = { timeout: 90_000 };

/**
 * The console in a real browser (Debian's Chromium, headless, through playwright-core) against a
 * real Tollgate on a loopback port and a real OpenID provider: people sign in with code + PKCE,
 * agents call the HTTP API as they would, and every check reads what the page shows.
 */
describe('console in a browser', () => {
  let t: ConsoleServer;
  let browser: Browser;
  let alice: BrowserContext;
  let admin: BrowserContext;
  const dialogs: string[] = [];

  beforeAll(async () => {
    t = await startConsoleServer();
    browser = await launchBrowser();
    alice = await browser.person();
    admin = await browser.person();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const form = (path: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params) });
  const exchange = async (params: Record<string, string>) => {
    const res = await form('/oauth/token', { grant_type: TOKEN_EXCHANGE_GRANT, subject_token_type: JWT_TYPE, ...params });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  const agentExchange = async (agent: string, scope: string, task: string, extra: Record<string, string> = {}) =>
    exchange({ subject_token: await t.h.agentToken(agent), scope, task_id: task, ...extra });
  const perCall = async (token: string) => {
    const res = await fetch(`${t.url}/v1/credentials`, { method: 'POST', headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ token, action: 'read' }) });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  const adminApi = async (path: string) => (await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json();

  const newPage = async (ctx: BrowserContext): Promise<Page> => {
    const page = await ctx.newPage();
    // Nothing on a console page may ever run script: an alert would be an injection.
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    return page;
  };

  /** The OpenID Connect round trip: the console's button, the provider's login page, back to the inbox. */
  async function signInWithSso(ctx: BrowserContext, login: string): Promise<Page> {
    const page = await newPage(ctx);
    await page.goto(`${t.url}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.getByRole('link', { name: 'Sign in with SSO' }).click();
    await page.waitForURL((u) => u.origin === t.sso.issuer);
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', 'any password: the dev login page checks none');
    await page.click('button[type=submit]');
    await page.waitForURL(`${t.url}/console/approvals`);
    return page;
  }

  async function signInWithAdminKey(ctx: BrowserContext): Promise<Page> {
    const page = await newPage(ctx);
    await page.goto(`${t.url}/console/sign-in`);
    await page.fill('input[name=key]', ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${t.url}/console/approvals`);
    return page;
  }

  it('alice signs in with OpenID Connect, finds the pending delete with its intent, approves; the retry is issued once', FLOW, async () => {
    const asked = await agentExchange('demo', 'demo:reports:delete', 'task-approve', { intent: 'drop the stale Q3 draft' });
    expect(asked.status).toBe(400);
    expect(asked.body.error).toBe('authorization_pending');
    const approvalId = asked.body.approval_id!;

    const page = await signInWithSso(alice, 'alice');
    const card = page.locator(`article[data-approval="${approvalId}"]`);
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.locator('[data-field=intent]').textContent()).toBe('drop the stale Q3 draft');
    expect(await card.locator('[data-field=agent]').textContent()).toBe('spiffe://example.org/agent/demo');
    expect(await card.locator('[data-field=owner]').textContent()).toBe('team-a');
    expect(await card.locator('[data-field=task]').textContent()).toBe('task-approve');
    await page.screenshot({ path: `${SCREENSHOTS}approvals.png`, fullPage: true });

    // The page's own defences, as the browser received them.
    const response = await page.reload();
    const csp = response!.headers()['content-security-policy']!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    const session = (await alice.cookies(`${t.url}/console/approvals`)).find((c) => c.name === 'tollgate-console')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });

    await card.locator('form[action$="/approve"] input[name=reason]').fill('stale draft, go ahead');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${t.url}/console/approvals?done=approved`);
    expect(await page.locator('.notice').textContent()).toContain('Approved');
    expect(await page.locator(`article[data-approval="${approvalId}"] .badge.status-approved`).count()).toBe(1);

    const retry = () => agentExchange('demo', 'demo:reports:delete', 'task-approve', { intent: 'drop the stale Q3 draft', approval_id: approvalId });
    const issued = await retry();
    expect(issued.status).toBe(200);
    expect(issued.body.access_token).toEqual(expect.any(String));
    const again = await retry();
    expect(again.status).not.toBe(200);

    const events = await t.h.deps.store.readAudit(0, 10_000);
    expect(events.find((e) => e.type === 'approval.answered' && (e.detail as { approval_id?: string }).approval_id === approvalId)).toMatchObject({
      reason: 'stale draft, go ahead',
      detail: { by: t.person('alice'), verdict: 'approve', status: 'approved' },
    });
    expect(events.some((e) => e.type === 'console.signed_in' && (e.detail as { by?: string }).by === t.person('alice'))).toBe(true);
  });

  it('an approver who is not entitled does not see the request (and cannot open the admin pages)', FLOW, async () => {
    const asked = await agentExchange('demo', 'demo:reports:delete', 'task-bob', { intent: 'remove the audit export' });
    const approvalId = asked.body.approval_id!;
    const bob = await browser.person();
    const page = await signInWithSso(bob, 'bob');
    expect(await page.locator(`article[data-approval="${approvalId}"]`).count()).toBe(0);
    expect(await page.locator('article.approval.waiting').count()).toBe(0);
    expect(await page.textContent('main')).toContain('Nothing is waiting for you.');
    expect(await page.locator('nav a[href="/console/grants"]').count()).toBe(0);
    expect((await page.goto(`${t.url}/console/grants`))!.status()).toBe(403);
    // The control: the same request is on the page of the person who may answer it.
    const alicePage = await newPage(alice);
    await alicePage.goto(`${t.url}/console/approvals`);
    expect(await alicePage.locator(`article[data-approval="${approvalId}"]`).count()).toBe(1);
  });

  it('an admin freezes: an exchange and a per-call fetch are refused as frozen; unfreeze restores both', FLOW, async () => {
    const before = await agentExchange('demo', 'demo:reports:read', 'task-freeze');
    expect(before.status).toBe(200);
    const token = before.body.access_token!;
    expect((await perCall(token)).status).toBe(200);

    const page = await signInWithAdminKey(admin);
    // The emergency stop is one link away from every page.
    await page.getByRole('link', { name: 'Emergency stop' }).click();
    await page.fill('form[action="/console/emergency/freeze"] input[name=reason]', 'incident 42');
    await page.getByRole('button', { name: 'Freeze', exact: true }).click();
    await page.waitForURL(`${t.url}/console/emergency?done=frozen`);
    expect(await page.locator('.banner.frozen').textContent()).toContain('FROZEN');
    await page.screenshot({ path: `${SCREENSHOTS}emergency.png`, fullPage: true });

    const refused = await agentExchange('demo', 'demo:reports:read', 'task-freeze-2');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('temporarily_unavailable');
    expect(refused.body.error_description).toMatch(/frozen by an operator/);
    const call = await perCall(token);
    expect(call.status).toBe(403);
    expect(call.body.error).toBe('temporarily_unavailable');
    expect(call.body.error_description).toMatch(/frozen by an operator/);
    // Every page says so, not only the emergency page.
    await page.goto(`${t.url}/console/grants`);
    expect(await page.locator('.banner.frozen').count()).toBe(1);

    await page.goto(`${t.url}/console/emergency`);
    await page.getByRole('button', { name: 'Unfreeze' }).click();
    await page.waitForURL(`${t.url}/console/emergency?done=unfrozen`);
    expect(await page.locator('.banner.frozen').count()).toBe(0);
    expect((await agentExchange('demo', 'demo:reports:read', 'task-freeze-3')).status).toBe(200);
    expect((await perCall(token)).status).toBe(200);

    const events = await t.h.deps.store.readAudit(0, 10_000);
    expect(events.filter((e) => e.type === 'freeze.started')).toMatchObject([{ reason: 'incident 42', detail: { by: 'admin-key' } }]);
    expect(events.filter((e) => e.type === 'freeze.lifted')).toMatchObject([{ detail: { by: 'admin-key' } }]);
  });

  it('revokes by task after a dry-run count of what the filter matches', FLOW, async () => {
    for (const agent of ['demo', 'worker-1', 'worker-2']) expect((await agentExchange(agent, 'demo:reports:read', 'cleanup-7')).status).toBe(200);
    expect((await agentExchange('demo', 'demo:reports:read', 'keep-1')).status).toBe(200);

    const page = await newPage(admin);
    await page.goto(`${t.url}/console/grants?task_id=cleanup-7`);
    expect(await page.locator('tr[data-grant]').count()).toBe(3);
    await page.screenshot({ path: `${SCREENSHOTS}grants.png`, fullPage: true });
    await page.getByRole('link', { name: /Revoke the live grants these filters match/ }).click();
    expect(await page.locator('[data-dry-run]').getAttribute('data-dry-run')).toBe('3');
    expect(await page.textContent('main')).toContain('dry run: nothing was changed');
    const live = (await adminApi('/v1/grants?task_id=cleanup-7')) as { grants: { status: string }[] };
    expect(live.grants.map((g) => g.status)).toEqual(['active', 'active', 'active']);

    await page.fill('input[name=reason]', 'task cleanup-7 went wrong');
    await page.getByRole('button', { name: 'Revoke 3 grants' }).click();
    await page.waitForURL(/\/console\/revocations\/rev_[A-Za-z0-9_-]+\?done=revoked$/);
    // The revocation binds at once; its rows are marked in batches: reload until the page says all three.
    await expect.poll(async () => (await page.reload(), page.locator('[data-field=revoked]').textContent()), { timeout: 20_000 }).toBe('3');
    await page.screenshot({ path: `${SCREENSHOTS}revocation.png`, fullPage: true });

    const after = (await adminApi('/v1/grants?task_id=cleanup-7')) as { grants: { status: string }[] };
    expect(after.grants.map((g) => g.status)).toEqual(['revoked', 'revoked', 'revoked']);
    const kept = (await adminApi('/v1/grants?task_id=keep-1')) as { grants: { status: string }[] };
    expect(kept.grants.map((g) => g.status)).toEqual(['active']);

    // The other pages of the security team: the agents seen, and the audit with its chain verified.
    await page.goto(`${t.url}/console/agents`);
    expect(await page.locator('tr[data-agent="spiffe://example.org/agent/worker-1"]').count()).toBe(1);
    await page.screenshot({ path: `${SCREENSHOTS}agents.png`, fullPage: true });
    await page.goto(`${t.url}/console/audit?type=grant.`);
    await page.getByRole('link', { name: 'Verify the chain' }).click();
    expect(await page.locator('[data-chain]').getAttribute('data-chain')).toBe('ok');
    const head = (await adminApi('/v1/audit/verify')) as { head: string };
    expect(await page.locator('[data-field=head-hash]').textContent()).toBe(head.head);
    expect(await page.locator('tr[data-seq] td:nth-child(3)').allTextContents()).not.toContain('console.signed_in');
    await page.screenshot({ path: `${SCREENSHOTS}audit.png`, fullPage: true });
  });

  it('renders hostile agent and IdP text inert: no markup, no script, control characters visible, no fake row', FLOW, async () => {
    // The exchange itself refuses an intent with newlines or terminal escapes (a person reads it)…
    const refused = await agentExchange('demo', 'demo:reports:delete', 'task-hostile', { intent: 'line one\nAPPROVED \u001b[32mOK\u001b[0m' });
    expect(refused.status).toBe(400);
    // …so the agent tries markup, and a human subject from an identity provider (never refused:
    // the IdP names its people) carries the newlines and ANSI escapes.
    const intent = '<script>alert("intent")</script></span></dd></dl></article><article class="approval" data-approval="apr_fakefakefake">APPROVED by security';
    const sub = 'mallory\n\u001b[2J\u001b[32mapproved\u001b[0m<img src=x onerror=alert(1)>';
    const humanToken = await t.h.human.mint(sub);
    const asked = await exchange({ subject_token: humanToken, actor_token: await t.h.agentToken('demo'), actor_token_type: JWT_TYPE, scope: 'demo:reports:delete', task_id: 'task-hostile', intent });
    expect(asked.body.error).toBe('authorization_pending');
    const approvalId = asked.body.approval_id!;

    const page = await newPage(alice);
    await page.goto(`${t.url}/console/approvals`);
    const card = page.locator(`article[data-approval="${approvalId}"]`);
    expect(await card.count()).toBe(1);
    expect(await card.locator('[data-field=intent]').textContent()).toBe(intent);
    const principal = (await card.locator('[data-field=principal]').textContent())!;
    expect(principal).toBe('https://idp.example#mallory\\u{000A}\\u{001B}[2J\\u{001B}[32mapproved\\u{001B}[0m<img src=x onerror=alert(1)>');
    expect(await page.locator('article[data-approval="apr_fakefakefake"]').count()).toBe(0);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    // Every card is one the store holds: the page has exactly as many as the API shows this approver.
    const shown = await page.locator('article.approval').evaluateAll((els) => els.map((e) => e.getAttribute('data-approval')));
    const all = (await adminApi('/v1/approvals?limit=200')) as { approvals: { id: string }[] };
    expect(shown.every((id) => all.approvals.some((a) => a.id === id))).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}approvals-hostile.png`, fullPage: true });
    expect(dialogs).toEqual([]);
  });

  it('refuses a form posted from another origin, and one without the session\'s CSRF token', FLOW, async () => {
    const evil: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><form method="post" action="${t.url}/console/emergency/freeze"><input name="csrf" value="guessed"><input name="reason" value="pwned"><button type="submit">win a prize</button></form>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      // Another port on 127.0.0.1 is the same site (the SameSite=Strict cookie is sent) but another origin.
      const page = await newPage(admin);
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      const [response] = await Promise.all([page.waitForResponse(`${t.url}/console/emergency/freeze`), page.click('button')]);
      expect(response.status()).toBe(403);
      expect(await page.textContent('main')).toContain('must be sent from the console itself (Origin)');

      // From the console's own origin but without the token its pages carry: refused as well.
      const forged = await admin.request.post(`${t.url}/console/emergency/freeze`, { headers: { origin: t.url }, form: { csrf: 'guessed', reason: 'pwned' } });
      expect(forged.status()).toBe(403);
      expect(await forged.text()).toContain('CSRF token');
      expect(await adminApi('/v1/freeze')).toMatchObject({ frozen: false });
    } finally {
      evil.closeAllConnections();
      await new Promise<void>((resolve) => evil.close(() => resolve()));
    }
  });
});
