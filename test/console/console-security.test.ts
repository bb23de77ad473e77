import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from '../../src/config/schema.ts';
import { draft } from '../../src/audit/event.ts';
import { ADMIN_KEY, ISSUER, harness } from '../support/harness.ts';
import { consoleClient, signInWithKey } from './console-client.ts';

const AGENT = 'spiffe://example.org/agent/demo';

describe('console: sessions, forms and who may do what', () => {
  it('signs an admin in with the bootstrap key: a __Host- session cookie, HttpOnly, Secure, SameSite=Strict; audited', async () => {
    const h = await harness();
    const c = consoleClient(h.app, ISSUER);
    const page = await h.app.request('/console/sign-in');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.getSetCookie()[0]).toMatch(/^__Host-tollgate-console-login=[^;]+; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax$/);

    expect((await signInWithKey(c, 'tgk_not-the-key-0000000000000000')).status).toBe(401);
    const res = await signInWithKey(c);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/approvals');
    const session = res.headers.getSetCookie().find((l) => l.startsWith('__Host-tollgate-console='))!;
    expect(session).toMatch(/; Max-Age=1800; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    expect((await c.get('/console/grants')).status).toBe(200);
    const events = await h.deps.store.readAudit(0, 100);
    expect(events.filter((e) => e.type === 'console.signed_in')).toMatchObject([{ detail: { by: 'admin-key', via: 'admin-key', admin: true } }]);
    await h.deps.store.close();
  });

  it('sends the signed-out to sign in; a session expires; sign-out ends it', async () => {
    const h = await harness();
    const anon = await h.app.request('/console/grants');
    expect(anon.status).toBe(303);
    expect(anon.headers.get('location')).toBe('/console/sign-in');
    expect((await h.app.request('/console/emergency/freeze', { method: 'POST', headers: { origin: ISSUER } })).status).toBe(401);

    const c = consoleClient(h.app, ISSUER);
    await signInWithKey(c);
    expect((await c.get('/console/emergency')).status).toBe(200);
    h.clock.now += 1801 * 1000;
    expect((await c.get('/console/emergency')).status).toBe(303);

    h.clock.now += 1000;
    await signInWithKey(c);
    await c.get('/console/approvals');
    const out = await c.post('/console/sign-out', {});
    expect(out.status).toBe(303);
    expect(c.cookies.has('__Host-tollgate-console')).toBe(false);
    expect((await c.get('/console/approvals')).status).toBe(303);
    await h.deps.store.close();
  });

  it('a session token is no grant token and a grant token is no session', async () => {
    const h = await harness();
    const c = consoleClient(h.app, ISSUER);
    await signInWithKey(c);
    const session = c.cookies.get('__Host-tollgate-console')!;
    const introspected = await h.form('/oauth/introspect', { token: session }, { authorization: `Bearer ${ADMIN_KEY}` });
    expect(await introspected.json()).toEqual({ active: false });
    expect((await h.app.request('/v1/credentials', { method: 'POST', headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);

    const grant = (await (await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' })).json()) as { access_token: string };
    const forged = await h.app.request('/console/grants', { headers: { cookie: `__Host-tollgate-console=${grant.access_token}` } });
    expect(forged.status).toBe(303);
    await h.deps.store.close();
  });

  it('refuses posts without this origin, from another site, or without the CSRF token, before doing anything', async () => {
    const h = await harness();
    const c = consoleClient(h.app, ISSUER);
    await signInWithKey(c);
    await c.get('/console/emergency');
    const cases: [string, Record<string, string>, Record<string, string | null>][] = [
      ['no Origin', {}, { origin: null }],
      ['another origin', {}, { origin: 'https://evil.example' }],
      ['Origin null', {}, { origin: 'null' }],
      ['another site by Sec-Fetch-Site', {}, { 'sec-fetch-site': 'cross-site' }],
      ['a wrong CSRF token', { csrf: 'x'.repeat(32) }, {}],
      ['no CSRF token', { csrf: '' }, {}],
    ];
    for (const [name, fields, headers] of cases) {
      const res = await c.post('/console/emergency/freeze', { reason: 'pwned', ...fields }, headers);
      expect(res.status, name).toBe(403);
      expect(await res.text(), name).toMatch(/must be sent from the console itself|CSRF token/);
    }
    expect(await h.deps.store.activeFreezes()).toEqual([]);
    // The same form with the page's token and this origin works.
    expect((await c.post('/console/emergency/freeze', { reason: 'real incident' })).status).toBe(303);
    expect((await h.deps.store.activeFreezes()).map((f) => [f.reason, f.frozen_by])).toEqual([['real incident', 'admin-key']]);
    await h.deps.store.close();
  });

  it('holds forms to the API\'s own rules: a kill needs its typed confirmation; reasons are one inert line', async () => {
    const h = await harness();
    for (const task of ['t-1', 't-2']) expect((await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', task_id: task })).status).toBe(200);
    const c = consoleClient(h.app, ISSUER);
    await signInWithKey(c);
    await c.get('/console/emergency');
    expect((await c.post('/console/emergency/kill', { reason: 'incident', confirm: 'kill' })).status).toBe(400);
    expect((await c.post('/console/emergency/freeze', { reason: 'line\nbreak' })).status).toBe(400);
    expect(await h.deps.store.countLive({ all: true })).toBe(2);
    const killed = await c.post('/console/emergency/kill', { reason: 'incident', confirm: 'KILL' });
    expect(killed.status).toBe(303);
    expect(killed.headers.get('location')).toMatch(/^\/console\/revocations\/rev_[A-Za-z0-9_-]+\?done=revoked$/);
    expect(await h.deps.store.countLive({ all: true })).toBe(0);
    const started = (await h.deps.store.readAudit(0, 1000)).filter((e) => e.type === 'revocation.started');
    expect(started).toMatchObject([{ reason: 'incident', detail: { by: 'admin-key' } }]);
    await h.deps.store.close();
  });

  it('blocks and unblocks an agent through the same flows as the API', async () => {
    const h = await harness();
    const c = consoleClient(h.app, ISSUER);
    await signInWithKey(c);
    await c.get('/console/agents');
    expect((await c.post('/console/agents/block', { agent: AGENT, reason: 'loops' })).status).toBe(303);
    expect((await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' })).status).toBe(403);
    const agents = await (await c.get('/console/agents')).text();
    expect(agents).toContain(`data-block="${AGENT}"`);
    expect((await c.post('/console/agents/unblock', { agent: AGENT })).status).toBe(303);
    expect((await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' })).status).toBe(200);
    expect((await c.post('/console/agents/unblock', { agent: AGENT })).status).toBe(404);
    await h.deps.store.close();
  });

  it('an admin key signs in as an admin but never approves; the console can be turned off', async () => {
    const h = await harness();
    const asked = (await (await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:delete' })).json()) as { approval_id: string };
    const c = consoleClient(h.app, ISSUER);
    await signInWithKey(c);
    const inbox = await (await c.get('/console/approvals')).text();
    expect(inbox).toContain(`data-approval="${asked.approval_id}"`);
    expect(inbox).not.toContain(`/console/approvals/${asked.approval_id}/approve`);
    expect((await c.post(`/console/approvals/${asked.approval_id}/approve`, {})).status).toBe(403);
    expect((await h.deps.store.getApproval(asked.approval_id))?.status).toBe('pending');
    await h.deps.store.close();

    const off = await harness({ configPatch: (cfg) => void (cfg.console = { enabled: false }) });
    expect((await off.app.request('/console/sign-in')).status).toBe(404);
    await off.deps.store.close();
  });

  it('dev sign-in exists only where configured, and config allows it only on a loopback http issuer', async () => {
    const h = await harness();
    expect((await h.app.request('/console/sign-in/dev', { method: 'POST', headers: { origin: ISSUER } })).status).toBe(404);
    await h.deps.store.close();
    const { store: _s, ...raw } = parse(readFileSync(join(h.dir, 'tollgate.yaml'), 'utf8')) as Record<string, any>;
    const withDev = (issuer: string) => ({ ...raw, store: { sqlite: { path: ':memory:' } }, server: { ...raw.server, issuer }, console: { dev_sign_in: { issuer: 'idp', humans: ['alice'] } } });
    expect(configSchema.safeParse(withDev('http://127.0.0.1:8787')).success).toBe(true);
    for (const issuer of ['https://tollgate.example', 'http://tollgate.example', 'http://10.0.0.1:8787']) {
      const parsed = configSchema.safeParse(withDev(issuer));
      expect(parsed.success, issuer).toBe(false);
      expect(parsed.error!.issues.map((i) => i.message)).toContain('dev sign-in needs a loopback http issuer (dev mode)');
    }
    const oidc = (o: Record<string, unknown>) => configSchema.safeParse({ ...raw, store: { sqlite: { path: ':memory:' } }, console: { oidc: o } });
    expect(oidc({ issuer: 'idp', client_id: 'tollgate' }).success).toBe(true);
    expect(oidc({ issuer: 'workload', client_id: 'tollgate' }).error!.issues[0]!.message).toMatch(/no human or admin issuer named workload/);
    expect(oidc({ issuer: 'idp', client_id: 'console' }).error!.issues[0]!.message).toMatch(/must list the client id in its audiences/);
    expect(oidc({ issuer: 'idp', client_id: 'tollgate', scopes: ['email'] }).success).toBe(false);
  });
});

describe('console: dev sign-in and approvers', () => {
  const LOOPBACK = 'http://127.0.0.1:9';
  const devHarness = () =>
    harness({
      configPatch: (cfg) => {
        cfg.server.issuer = LOOPBACK;
        cfg.console = { dev_sign_in: { issuer: 'idp', humans: ['alice', 'bob'] }, admins: ['group:team-a'] };
        cfg.approvals = { groups: { 'team-a': ['https://idp.example#alice'] } };
      },
    });

  it('signs a dev human in, without Secure on loopback; an admin through console.admins; only the entitled answer', async () => {
    const h = await devHarness();
    const asked = (await (await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:delete', intent: 'tidy up' })).json()) as { approval_id: string };

    const bob = consoleClient(h.app, LOOPBACK);
    await bob.get('/console/sign-in');
    expect((await bob.post('/console/sign-in/dev', { human: 'mallory' })).status).toBe(401);
    const signedIn = await bob.post('/console/sign-in/dev', { human: 'bob' });
    expect(signedIn.headers.getSetCookie().find((l) => l.startsWith('tollgate-console='))).toMatch(/; Max-Age=1800; Path=\/console; HttpOnly; SameSite=Strict$/);
    const bobInbox = await (await bob.get('/console/approvals')).text();
    expect(bobInbox).not.toContain(asked.approval_id);
    expect((await bob.get('/console/grants')).status).toBe(403);
    // Posting the answer anyway is refused and audited, as through the API.
    expect((await bob.post(`/console/approvals/${asked.approval_id}/approve`, {})).status).toBe(403);
    const refused = (await h.deps.store.readAudit(0, 1000)).filter((e) => e.type === 'approval.refused');
    expect(refused).toMatchObject([{ detail: { by: 'https://idp.example#bob', verdict: 'approve' } }]);

    const alice = consoleClient(h.app, LOOPBACK);
    await alice.get('/console/sign-in');
    await alice.post('/console/sign-in/dev', { human: 'alice' });
    const inbox = await (await alice.get('/console/approvals')).text();
    expect(inbox).toContain(`/console/approvals/${asked.approval_id}/approve`);
    expect((await alice.get('/console/grants')).status).toBe(200);
    expect((await alice.post(`/console/approvals/${asked.approval_id}/deny`, { reason: 'not today' })).headers.get('location')).toBe('/console/approvals?done=denied');
    expect(await h.deps.store.getApproval(asked.approval_id)).toMatchObject({ status: 'denied', decisions: [{ by: 'https://idp.example#alice', verdict: 'deny', reason: 'not today' }] });
    await h.deps.store.close();
  });

  it("ends a person's session when a signal revoked their sessions at the identity provider", async () => {
    const h = await devHarness();
    const alice = consoleClient(h.app, LOOPBACK);
    await alice.get('/console/sign-in');
    await alice.post('/console/sign-in/dev', { human: 'alice' });
    expect((await alice.get('/console/approvals')).status).toBe(200);
    // What a CAEP session-revoked event records (signals/handle-signal.ts): tokens issued before now are refused.
    h.clock.now += 2000;
    const principal = 'https://idp.example#alice';
    await h.deps.store.changeRisk({ subject: { kind: 'principal', id: principal }, level: 'medium', mode: 'raise', reason: 'session revoked', by: 'signals', time: h.clock.now, tokens_not_before: h.clock.now }, draft('risk.changed', h.clock.now, { principal }));
    expect((await alice.get('/console/approvals')).status).toBe(303);
    // A sign-in after it is a new session, and holds.
    h.clock.now += 1000;
    await alice.get('/console/sign-in');
    await alice.post('/console/sign-in/dev', { human: 'alice' });
    expect((await alice.get('/console/approvals')).status).toBe(200);
    await h.deps.store.close();
  });
});
