import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import { readAllEvents } from '../../src/audit/read-all.ts';
import { ISSUER } from '../support/harness.ts';
import { auditEvents, expectedDigest, LOCAL_URI, mcpHarness, SERVER_URI, text, UPSTREAM_CREDENTIALS, type McpHarness } from './support.ts';

// The real SDK on both sides: an SDK Client → Tollgate's /mcp/{server} → an SDK McpServer upstream.

let m: McpHarness;
beforeAll(async () => {
  m = await mcpHarness();
});
afterAll(async () => {
  await m.close();
});

const META_APPROVAL = 'io.tollgate/approval_id';

describe('a client without a token is led to the metadata', () => {
  it('answers 401 with a challenge naming the RFC 9728 metadata and the scopes', async () => {
    const res = await m.h.app.request('/mcp/reports', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toBe(`Bearer resource_metadata="${ISSUER}/.well-known/oauth-protected-resource/mcp/reports", scope="mcp:reports:read mcp:reports:write mcp:reports:delete"`);
    const meta = await (await m.h.app.request('/.well-known/oauth-protected-resource/mcp/reports')).json();
    expect(meta).toMatchObject({ resource: SERVER_URI, authorization_servers: [ISSUER], scopes_supported: ['mcp:reports:read', 'mcp:reports:write', 'mcp:reports:delete'], bearer_methods_supported: ['header'] });
    expect((await m.h.app.request('/.well-known/oauth-protected-resource/mcp/nope')).status).toBe(404);
  });

  it('the SDK client follows it: metadata, JWT bearer grant with resource, retry, all by itself', async () => {
    const { client, auth } = await m.connect({ agent: 'discover', task: 'task-discover' });
    const tokens = await auth.tokens();
    // The token it got is for exactly this server, and policy narrowed away delete.
    expect(decodeJwt(tokens!.access_token)).toMatchObject({ aud: SERVER_URI, scope: 'mcp:reports:read mcp:reports:write', task_id: 'task-discover' });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });
});

describe('the seed triple, through the SDK', () => {
  it('tools/list shows only what the grant and policy permit (delete never granted, unclassified never shown)', async () => {
    const { client } = await m.connect();
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['reports_get', 'reports_update']);
    // The upstream has them all; the gateway keeps the upstream's schemas for what it shows.
    const get = (await client.listTools()).tools.find((t) => t.name === 'reports_get')!;
    expect(get.inputSchema).toMatchObject({ type: 'object', properties: { id: { type: 'string' } } });
  });

  it('read is allowed and runs upstream with the read credential', async () => {
    const { client } = await m.connect();
    const before = m.upstream.ran.length;
    const r = await client.callTool({ name: 'reports_get', arguments: { id: 'q3' } });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toBe('report q3: revenue up 4%');
    expect(m.upstream.ran.slice(before)).toEqual([{ tool: 'reports_get', args: { id: 'q3' }, credential: UPSTREAM_CREDENTIALS.read }]);
  });

  it('write waits for a human (a tool error with the approval id and URL), then runs exactly once', async () => {
    const { client } = await m.connect({ task: 'task-write' });
    const args = { id: 'q4', text: 'draft' };
    const before = m.upstream.ran.length;
    const waiting = await client.callTool({ name: 'reports_update', arguments: args });
    expect(waiting.isError).toBe(true);
    const id = (waiting._meta as Record<string, string>)[META_APPROVAL]!;
    expect(id).toMatch(/^apr_/);
    expect(text(waiting)).toContain(`${ISSUER}/v1/approvals/${id}`);
    expect(m.upstream.ran.length).toBe(before); // nothing ran

    // The approval is bound to these exact arguments (RFC 8785 + SHA-256 digest).
    const view = await (await m.h.adminRequest(`/v1/approvals/${id}`)).json();
    expect(view).toMatchObject({ kind: 'call', tool: 'tools/call:reports_update', arguments_digest: expectedDigest(args), status: 'pending' });

    // Retried before a human answered: still waiting, the same approval, nothing ran.
    const again = await client.callTool({ name: 'reports_update', arguments: args });
    expect((again._meta as Record<string, string>)[META_APPROVAL]).toBe(id);
    expect(m.upstream.ran.length).toBe(before);

    const alice = await m.h.human.mint('alice');
    const approved = await m.h.app.request(`/v1/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' }, body: '{}' });
    expect(approved.status).toBe(200);

    const ran = await client.callTool({ name: 'reports_update', arguments: args });
    expect(ran.isError).toBeFalsy();
    expect(text(ran)).toBe('report q4 updated');
    expect(m.upstream.ran.slice(before)).toEqual([{ tool: 'reports_update', args, credential: UPSTREAM_CREDENTIALS.write }]);

    // Once: the same call again needs a new approval.
    const third = await client.callTool({ name: 'reports_update', arguments: args });
    expect(third.isError).toBe(true);
    expect((third._meta as Record<string, string>)[META_APPROVAL]).not.toBe(id);
    expect(m.upstream.ran.length).toBe(before + 1);
  });

  it('delete is denied: never granted, so the call is 403 insufficient_scope naming the scope, and never runs', async () => {
    const token = await m.grantToken({ scope: 'read write delete', task: 'task-delete' });
    expect(decodeJwt(token).scope).toBe('mcp:reports:read mcp:reports:write');
    const client = await m.connectWith(token);
    const before = m.upstream.ran.length;
    await expect(client.callTool({ name: 'reports_delete', arguments: { id: 'q3' } })).rejects.toThrow(/403|insufficient/i);
    const raw = await rawCall(token, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'reports_delete', arguments: { id: 'q3' } } });
    expect(raw.status).toBe(403);
    expect(raw.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(raw.headers.get('www-authenticate')).toContain('scope="mcp:reports:delete"');
    expect(m.upstream.ran.length).toBe(before);
  });

  it('a denial by current policy is a tool error that says why, and the tool is not offered', async () => {
    // reports_archive is classified "restricted": dev.cedar's read-unrestricted does not permit it.
    const { client } = await m.connect();
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('reports_archive');
    const before = m.upstream.ran.length;
    const r = await client.callTool({ name: 'reports_archive', arguments: { id: 'q1' } });
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('denied by Tollgate (access_denied): denied by policy');
    expect(m.upstream.ran.length).toBe(before);
  });

  it('raising risk changes what is offered: at medium risk only reads', async () => {
    const set = await m.h.adminRequest('/v1/risk', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'spiffe://example.org/agent/risk-raised', level: 'medium', reason: 'test' }) });
    expect(set.status).toBe(200);
    const { client, auth } = await m.connect({ agent: 'risk-raised', task: 'task-risk' });
    expect(decodeJwt((await auth.tokens())!.access_token).scope).toBe('mcp:reports:read');
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['reports_get']);
  });

  it('an unclassified tool is denied with a reason, and never reaches the upstream', async () => {
    const { client } = await m.connect();
    const before = m.upstream.ran.length;
    const r = await client.callTool({ name: 'shell_exec', arguments: { cmd: 'id' } });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/not classified/);
    expect(m.upstream.ran.length).toBe(before);
  });

  it('resources and prompts are classified the same way', async () => {
    const { client } = await m.connect();
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(['reports://index']);
    expect((await client.readResource({ uri: 'reports://index' })).contents[0]).toMatchObject({ uri: 'reports://index' });
    await expect(client.readResource({ uri: 'reports://secrets' })).rejects.toThrow(/not classified/);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['summarise']);
    expect((await client.getPrompt({ name: 'summarise', arguments: { id: 'q3' } })).messages.length).toBe(1);
  });

  it('completion/complete is decided as the prompt or resource it completes; unclassified never reaches the upstream', async () => {
    const { client } = await m.connect();
    const before = m.upstream.ran.length;
    const r = await client.complete({ ref: { type: 'ref/prompt', name: 'summarise' }, argument: { name: 'id', value: 'q' } });
    expect(r.completion.values).toContain('q3');
    expect(m.upstream.ran.slice(before)).toEqual([{ tool: 'complete:read', args: { value: 'q' }, credential: UPSTREAM_CREDENTIALS.read }]);
    await expect(client.complete({ ref: { type: 'ref/prompt', name: 'unlisted' }, argument: { name: 'id', value: 'q' } })).rejects.toThrow(/prompt unlisted is not classified/);
    await expect(client.complete({ ref: { type: 'ref/resource', uri: 'reports://secrets' }, argument: { name: 'x', value: '' } })).rejects.toThrow(/resource reports:\/\/secrets is not classified/);
    expect(m.upstream.ran.length).toBe(before + 1);
    const events = (await auditEvents(m.h)).filter((e) => String(e.detail?.tool).startsWith('completion/complete:'));
    // RFC 8785 of the params the gateway decides on: members sorted at every level.
    const digest = 'sha256:' + createHash('sha256').update('{"argument":{"name":"id","value":"q"},"ref":{"name":"summarise","type":"ref/prompt"}}').digest('hex');
    expect(events.find((e) => e.decision === 'allow')).toMatchObject({ actions: ['read'], resource: 'mcp:reports', detail: { tool: 'completion/complete:summarise', arguments_digest: digest } });
    expect(events.filter((e) => e.decision === 'deny').map((e) => e.detail.tool).sort()).toEqual(['completion/complete:reports://secrets', 'completion/complete:unlisted']);
  });
});

describe('tokens', () => {
  it('the upstream never sees the grant token, only the per-call credential in the configured header', async () => {
    const token = await m.grantToken({ task: 'task-pass' });
    const client = await m.connectWith(token);
    await client.callTool({ name: 'reports_get', arguments: { id: 'q3' } });
    const everything = JSON.stringify(m.upstream.seen);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.split('.')[1]!); // not even its payload
    const auths = new Set(m.upstream.seen.map((s) => s.headers.authorization));
    expect([...auths].every((a) => Object.values(UPSTREAM_CREDENTIALS).some((c) => a === `Bearer ${c}`))).toBe(true);
  });

  it('a token for another audience is refused with 401 invalid_token', async () => {
    const plain = await m.h.exchange({ subject_token: await m.h.agentToken(), scope: 'mcp:reports:read' }); // default audience
    const other = await m.grantToken({ uri: LOCAL_URI, scope: 'read' }); // another MCP server
    for (const token of [(await plain.json()).access_token, other, 'not-a-token']) {
      const res = await rawCall(token, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${ISSUER}/.well-known/oauth-protected-resource/mcp/reports"`);
    }
  });

  it('refuses browsers of another origin (DNS rebinding), token or not', async () => {
    const token = await m.grantToken({ task: 'task-origin' });
    const evil = await rawCall(token, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { origin: 'http://evil.example' });
    expect(evil.status).toBe(403);
    const same = await rawCall(token, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { origin: ISSUER });
    expect(same.status).toBe(200);
  });

  it('refuses Mcp-Method / Mcp-Name headers that differ from the body, batches and loose JSON-RPC', async () => {
    const token = await m.grantToken({ task: 'task-headers' });
    const call = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'reports_get', arguments: { id: 'q3' } } };
    const before = m.upstream.ran.length;
    for (const [headers, body] of [
      [{ 'mcp-method': 'tools/list' }, call],
      [{ 'mcp-method': 'tools/call', 'mcp-name': 'reports_update' }, call],
      [{ 'mcp-name': 'reports_get' }, { jsonrpc: '2.0', id: 4, method: 'tools/list' }],
      [{}, [call]],
      [{}, { ...call, extra: 1 }],
      [{}, { ...call, jsonrpc: '1.0' }],
      [{}, { ...call, id: null }],
    ] as const) {
      const res = await rawCall(token, body, headers);
      expect(res.status, JSON.stringify([headers, body])).toBe(400);
    }
    expect(m.upstream.ran.length).toBe(before);
    // Matching headers are fine.
    const ok = await rawCall(token, call, { 'mcp-method': 'tools/call', 'mcp-name': 'reports_get' });
    expect(ok.status).toBe(200);
  });
});

describe('grant end', () => {
  it('revoking the grant refuses the very next call (401) and stops the stdio upstream within seconds', async () => {
    const token = await m.grantToken({ uri: LOCAL_URI, scope: 'read', task: 'task-stdio' });
    const client = await m.connectWith(token, LOCAL_URI);
    const r = await client.callTool({ name: 'whoami', arguments: {} });
    const who = JSON.parse(text(r));
    expect(who.credential_sha256).toBe((await import('node:crypto')).createHash('sha256').update('stdio-cred-1').digest('hex'));
    // Only the minimal environment and the credential: none of the gateway's own variables.
    expect(who.env_keys).toContain('TOLLGATE_TEST_CREDENTIAL');
    expect(who.env_keys).not.toContain('TOLLGATE_CONFIG');
    expect(alive(who.pid)).toBe(true);

    expect((await m.h.form('/oauth/revoke', { token }, { authorization: `Bearer ${await m.h.agentToken()}` })).status).toBe(200);
    // The watcher stops the process without any further call.
    await until(() => !alive(who.pid));
    const res = await rawCall(token, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, {}, LOCAL_URI);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('completing the task stops a new stdio process too, and the next call is refused', async () => {
    const token = await m.grantToken({ uri: LOCAL_URI, scope: 'read', task: 'task-stdio-2' });
    const client = await m.connectWith(token, LOCAL_URI);
    const { pid } = JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} })));
    expect((await m.h.form('/v1/tasks/task-stdio-2/complete', {}, { authorization: `Bearer ${token}` })).status).toBeLessThan(300);
    const res = await rawCall(token, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, {}, LOCAL_URI);
    expect(res.status).toBe(401);
    await until(() => !alive(pid));
  });
});

describe('audit', () => {
  it('every call is an event with agent, principal, act, server, tool, action, arguments digest, decision and grant; the chain verifies', async () => {
    const events = (await auditEvents(m.h)).filter((e) => e.detail?.gateway === 'mcp/reports' && String(e.detail?.tool).startsWith('tools/call:'));
    const read = events.find((e) => e.detail.tool === 'tools/call:reports_get' && e.type === 'credential.issued')!;
    expect(read).toMatchObject({ agent: 'spiffe://example.org/agent/demo', actions: ['read'], decision: 'allow', resource: 'mcp:reports', detail: { arguments_digest: expectedDigest({ id: 'q3' }) } });
    expect(read.grant_id).toMatch(/^grt_/);
    expect(read).toHaveProperty('principal');
    expect(read).toHaveProperty('act');
    const kinds = new Set(events.map((e) => `${e.detail.tool} ${e.decision}`));
    expect(kinds).toContain('tools/call:reports_update approval_required');
    expect(kinds).toContain('tools/call:reports_update allow');
    expect(kinds).toContain('tools/call:reports_delete deny');
    expect(kinds).toContain('tools/call:shell_exec deny');
    expect(kinds).toContain('tools/call:reports_archive deny');
    const verified = await verifyChain(readAllEvents(m.h.deps.store), await m.h.deps.store.auditHead());
    expect(verified.ok).toBe(true);
  });
});

function rawCall(token: string, body: unknown, headers: Record<string, string> = {}, uri = SERVER_URI): Promise<Response> {
  return m.fetch(uri, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', ...headers },
    body: JSON.stringify(body),
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until `cond` holds, for at most 10 s (a bound, not a timing assertion). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(cond()).toBe(true);
}
