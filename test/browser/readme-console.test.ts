import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../cli/dev-server.ts';
import { ROOT } from '../support/paths.ts';
import { launchBrowser, type Browser } from './support/browser.ts';

/**
 * The README's console walk-through, as a user follows it: `tollgate serve --dev` (what
 * `npm start` runs), the console in Chromium, and the agent's commands taken from the README's
 * own text and run in a shell. If the README's steps stop working, this fails.
 */
const README = readFileSync(`${ROOT}/README.md`, 'utf8');
const section = README.slice(README.indexOf('\n## Console\n'), README.indexOf('\n## ', README.indexOf('\n## Console\n') + 5));
/** Step 2's two commands: the agent's identity, then its request for the delete. */
const [identityCmd, askCmd] = [...section.matchAll(/`((?:eval "\$\(npx tollgate dev-token|npx tollgate exchange)[^`]*)`/g)].map((m) => m[1]!);

describe('the README console walk-through against the dev server', () => {
  let dev: DevServer;
  let browser: Browser;
  let ctx: BrowserContext;

  beforeAll(async () => {
    dev = await startDevServer();
    browser = await launchBrowser();
    ctx = await browser.person();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await dev?.stop();
  });

  const agent = (command: string) => {
    const r = spawnSync('bash', ['-e', '-c', `${identityCmd}\n${command}`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TOLLGATE_URL: dev.url, TOLLGATE_DATA: dev.data } });
    return { status: r.status, out: r.stdout.trim(), err: r.stderr };
  };

  it('signs in as alice, approves the pending delete, sees the grant, freezes and unfreezes', { timeout: 120_000 }, async () => {
    expect(identityCmd, 'README step 2 names the dev-token command').toMatch(/dev-token --agent/);
    expect(askCmd, 'README step 2 names the exchange with --approval-id-only').toMatch(/--approval-id-only/);

    // 1. Sign in as alice (dev sign-in).
    const page: Page = await ctx.newPage();
    await page.goto(`${dev.url}/console`);
    await page.getByRole('button', { name: 'Sign in as alice' }).click();
    await page.waitForURL(`${dev.url}/console/approvals`);

    // 2. The agent asks for the delete: a human must approve.
    const asked = agent(askCmd!);
    expect(asked.status, asked.err).toBe(0);
    const approvalId = asked.out;
    expect(approvalId).toMatch(/^apr_/);

    // 3. The request is in alice's inbox; she approves it with a reason; the retry is issued, once.
    await page.reload();
    const card = page.locator(`article[data-approval="${approvalId}"]`);
    expect(await card.locator('[data-field=intent]').textContent()).toBe('drop a stale draft');
    await card.locator('form[action$="/approve"] input[name=reason]').fill('stale, go ahead');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${dev.url}/console/approvals?done=approved`);
    const retry = `${askCmd!.replace(' --approval-id-only', '')} --approval-id ${approvalId}`;
    const issued = agent(retry);
    expect(issued.status, issued.err).toBe(0);
    const grantId = (JSON.parse(issued.out) as { grant_id: string }).grant_id;
    expect(agent(retry).status).not.toBe(0);

    // 4. Grants lists it; its page shows it.
    await page.getByRole('link', { name: 'Grants', exact: true }).click();
    expect(await page.locator(`tr[data-grant="${grantId}"]`).count()).toBe(1);
    await page.locator(`tr[data-grant="${grantId}"] a`).first().click();
    expect(await page.textContent('main')).toContain(grantId);

    // 5. Emergency stop: freeze, the agent is refused as frozen; unfreeze, it is issued again.
    await page.getByRole('link', { name: 'Emergency stop' }).click();
    await page.fill('form[action="/console/emergency/freeze"] input[name=reason]', 'walk-through');
    await page.getByRole('button', { name: 'Freeze', exact: true }).click();
    await page.waitForURL(`${dev.url}/console/emergency?done=frozen`);
    expect(await page.locator('.banner.frozen').textContent()).toContain('FROZEN');
    const read = 'npx tollgate exchange --scope demo:reports:read --task t-frozen';
    const frozen = agent(read);
    expect(frozen.status).toBe(1);
    expect(frozen.err).toContain('temporarily_unavailable');
    expect(frozen.err).toMatch(/frozen by an operator/);
    await page.getByRole('button', { name: 'Unfreeze' }).click();
    await page.waitForURL(`${dev.url}/console/emergency?done=unfrozen`);
    expect(await page.locator('.banner.frozen').count()).toBe(0);
    expect(agent(read).status).toBe(0);
  });
});
