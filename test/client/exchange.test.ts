import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exchange, isAuthorizationPending, isTollgateError, TOKEN_TYPES, TollgateError } from 'tollgate/client';
import { ADMIN_KEY, harness, type Harness } from '../support/harness.ts';
import { listen, type Served } from './served.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

describe('tollgate/client exchange(), over HTTP against a real Tollgate', () => {
  let h: Harness;
  let server: Served;
  beforeEach(async () => {
    h = await harness({ configPatch: (c) => (c.approvals = { groups: { 'team-a': ['https://idp.example#bob'] } }) });
    server = await listen(h.app);
  });
  afterEach(async () => {
    await server.close();
    await h.deps.store.close();
  });

  // The checkout's sources (the `tollgate-source` condition): the compiled dist/ is the install
  // test's to build and check, and it rebuilds dist/ while the suite runs.
  it('resolves as a package self-reference in plain Node, not only in the test runner', () => {
    const out = execFileSync(process.execPath, ['--conditions=tollgate-source', '--input-type=module', '-e', "const m = await import('tollgate/client'); console.log(Object.keys(m).sort().join(','))"], { cwd: ROOT, encoding: 'utf8' });
    expect(out.trim().split(',')).toEqual(expect.arrayContaining(['exchange', 'credentialSource', 'fromTollgate', 'vaultTokenSource', 'tollgateGateway', 'TollgateError', 'sha256Digest']));
  });

  it('exchanges a workload token for a grant token (RFC 8693 form post)', async () => {
    const r = await exchange({ url: server.url, subjectToken: await h.agentToken(), scope: 'demo:reports:read', taskId: 't-sdk-1', intent: 'summarise', requestedTtl: 600 });
    expect(r).toMatchObject({ issued_token_type: TOKEN_TYPES.jwt, token_type: 'Bearer', scope: 'demo:reports:read', task_id: 't-sdk-1', expires_in: 600 });
    expect(r.grant_id).toMatch(/^grt_/);
    const intro = await (await h.form('/oauth/introspect', { token: r.access_token }, { authorization: `Bearer ${ADMIN_KEY}` })).json();
    expect(intro).toMatchObject({ active: true, grant_id: r.grant_id, task_id: 't-sdk-1' });
  });

  it('acts for a human: subject = the human, actor = the agent; resource with bare actions; a trailing slash in the URL', async () => {
    const alice = await h.human.mint('alice');
    const r = await exchange({ url: `${server.url}/`, subjectToken: alice, actorToken: () => h.agentToken(), resource: 'demo:reports', scope: ['read', 'write'], taskId: 't-sdk-2' });
    expect(r.scope).toBe('demo:reports:read demo:reports:write');
    const g = await (await h.adminRequest(`/v1/grants/${r.grant_id}`)).json();
    expect(g).toMatchObject({ principal: 'https://idp.example#alice', agent: 'spiffe://example.org/agent/demo' });
  });

  it('asks for the upstream credential itself with requested_token_type', async () => {
    const r = await exchange({ url: server.url, subjectToken: await h.agentToken(), scope: 'demo:db:read', taskId: 't-sdk-3', requestedTokenType: TOKEN_TYPES.secret });
    expect(r.issued_token_type).toBe(TOKEN_TYPES.secret);
    expect(r.access_token).toBe('s3cr3t-value');
  });

  it.each([
    ['access_denied', 403, { scope: 'demo:vault:read' }],
    ['invalid_target', 400, { scope: 'nope:nothing:read' }],
    ['invalid_scope', 400, { scope: 'demo:reports:fly' }],
    ['invalid_request', 400, { scope: 'demo:reports:read', requestedTtl: 0 }],
  ] as const)('a refusal becomes TollgateError %s (HTTP %i) without the token in any message', async (code, status, extra) => {
    const token = await h.agentToken();
    const e = await exchange({ url: server.url, subjectToken: token, taskId: 't-sdk-err', ...extra }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TollgateError);
    expect(e).toMatchObject({ name: 'TollgateError', code, status });
    expect(isTollgateError(e, code)).toBe(true);
    const err = e as TollgateError;
    for (const text of [err.message, err.description, String(err), JSON.stringify(err), err.stack ?? '']) expect(text).not.toContain(token);
  });

  it('an unregistered agent is unauthorized_client; a forged token invalid_request; no answer at all network_error', async () => {
    const stranger = await h.workload.mint('spiffe://example.org/robot/x');
    await expect(exchange({ url: server.url, subjectToken: stranger, scope: 'demo:reports:read', taskId: 't' })).rejects.toMatchObject({ code: 'unauthorized_client', status: 400 });
    const real = await h.agentToken();
    const at = real.length - 20;
    const forged = real.slice(0, at) + (real[at] === 'A' ? 'B' : 'A') + real.slice(at + 1);
    await expect(exchange({ url: server.url, subjectToken: forged, scope: 'demo:reports:read', taskId: 't' })).rejects.toMatchObject({ code: 'invalid_request', status: 400 });
    await server.close();
    const e = await exchange({ url: server.url, subjectToken: await h.agentToken(), scope: 'demo:reports:read', taskId: 't' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'network_error', status: 0, retryable: true });
    server = await listen(h.app);
  });

  it('an aborted request is TollgateError aborted', async () => {
    const e = await exchange({ url: server.url, subjectToken: await h.agentToken(), scope: 'demo:reports:read', taskId: 't', signal: AbortSignal.abort() }).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'TollgateError', code: 'aborted', retryable: false });
  });

  it('an approval wait is authorization_pending with the approval id', async () => {
    const e = await exchange({ url: server.url, subjectToken: await h.agentToken(), scope: 'demo:reports:delete', taskId: 't-sdk-del' }).catch((x: unknown) => x);
    expect(isAuthorizationPending(e)).toBe(true);
    expect(e).toMatchObject({ code: 'authorization_pending', status: 400, retryable: true, approvalId: expect.stringMatching(/^apr_/) });
  });

  it('waitForApproval: waits for the owner to approve, then retries with the approval_id and gets the grant', async () => {
    const agent = await h.agentToken();
    const pending = exchange(
      { url: server.url, subjectToken: agent, scope: 'demo:reports:delete', taskId: 't-sdk-wait', intent: 'delete the draft' },
      { waitForApproval: { timeoutMs: 60_000, intervalMs: 100 } },
    );
    const bob = await h.human.mint('bob');
    const id = await firstPendingApproval(h, bob);
    const ok = await h.app.request(`/v1/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${bob}` } });
    expect(ok.status).toBe(200);
    const r = await pending;
    expect(r).toMatchObject({ scope: 'demo:reports:delete', task_id: 't-sdk-wait' });
    const g = await (await h.adminRequest(`/v1/grants/${r.grant_id}`)).json();
    expect(g.status).toBe('active');
  });

  it('waitForApproval: a denial ends the wait with access_denied', async () => {
    const pending = exchange(
      { url: server.url, subjectToken: await h.agentToken(), scope: 'demo:reports:delete', taskId: 't-sdk-deny' },
      { waitForApproval: { timeoutMs: 60_000, intervalMs: 100 } },
    ).catch((x: unknown) => x);
    const bob = await h.human.mint('bob');
    const id = await firstPendingApproval(h, bob);
    expect((await h.app.request(`/v1/approvals/${id}/deny`, { method: 'POST', headers: { authorization: `Bearer ${bob}` } })).status).toBe(200);
    expect(await pending).toMatchObject({ name: 'TollgateError', code: 'access_denied' });
  });

  it('waitForApproval: gives up after timeoutMs with the authorization_pending error, never retrying faster than intervalMs', async () => {
    let t = 0;
    const slept: number[] = [];
    let polls = 0;
    const counting = async (request: Request) => {
      if (new URL(request.url).pathname.startsWith('/v1/approvals/')) polls++;
      return fetch(request);
    };
    const e = await exchange(
      { url: server.url, subjectToken: await h.agentToken(), scope: 'demo:reports:delete', taskId: 't-sdk-timeout', fetch: counting },
      {
        waitForApproval: {
          timeoutMs: 3000,
          intervalMs: 1000,
          longPollSeconds: 0,
          now: () => t,
          // the injected clock moves only when the SDK sleeps: each poll answers at once, so the
          // whole interval is slept before the next retry
          sleep: async (ms) => {
            slept.push(ms);
            t += ms;
          },
        },
      },
    ).catch((x: unknown) => x);
    expect(isAuthorizationPending(e)).toBe(true);
    expect(slept).toEqual([1000, 1000, 1000]);
    expect(polls).toBe(3);
  });
});

async function firstPendingApproval(h: Harness, approver: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const list = await (await h.app.request('/v1/approvals', { headers: { authorization: `Bearer ${approver}` } })).json();
    if (list.approvals?.[0]) return list.approvals[0].id as string;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no approval request appeared');
}
