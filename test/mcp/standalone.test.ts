import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { workloadAuthProvider } from '../../src/client/mcp-auth.ts';
import { standaloneGatewayApp } from '../../src/mcp/standalone-app.ts';
import { standaloneGatewaySchema } from '../../src/mcp/standalone-config.ts';
import { CLI } from '../cli/dev-server.ts';
import { ISSUER } from '../support/harness.ts';
import { auditEvents, GATEWAY_KEY, mcpHarness, REMOTE_URI, reportsServer, text, UPSTREAM_CREDENTIALS, type McpHarness } from './support.ts';

// `tollgate mcp-gateway`: the same gateway run apart, deciding every call at a remote Tollgate
// through the client SDK (POST /v1/credentials, AuthZEN for listings, introspection for liveness).

let m: McpHarness;
let gateway: ReturnType<typeof standaloneGatewayApp>;
const clients: Client[] = [];
beforeAll(async () => {
  m = await mcpHarness();
  const config = standaloneGatewaySchema.parse({
    gateway: { public_url: 'http://mcp-gateway.test' },
    tollgate: { url: ISSUER, credential: GATEWAY_KEY },
    servers: { reports: reportsServer(m.upstream.url) },
  });
  // Tollgate is reached through its real app; the upstream over a real socket.
  gateway = standaloneGatewayApp(config, { tollgateFetch: (req) => m.h.app.request(req) });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gateway.gateway.close();
  await m.close();
});

async function connect(opts: { token?: string; task?: string } = {}) {
  const client = new Client({ name: 'remote-agent', version: '1.0.0' });
  const fetch = (url: string | URL, init?: RequestInit) => Promise.resolve(gateway.app.request(String(url), init));
  const auth = workloadAuthProvider({ assertion: () => m.h.agentToken('demo', { ttl: 3600 }), taskId: opts.task ?? 'task-remote', scope: 'read write delete' });
  // The SDK discovers Tollgate from the gateway's metadata and gets its token there: both fetches are routed to their apps.
  const route = (url: string | URL, init?: RequestInit) => (String(url).startsWith(ISSUER) ? m.fetch(url, init) : fetch(url, init));
  await client.connect(new StreamableHTTPClientTransport(new URL(REMOTE_URI), opts.token ? { fetch, requestInit: { headers: { authorization: `Bearer ${opts.token}` } } } : { fetch: route, authProvider: auth }));
  clients.push(client);
  return { client, auth };
}

describe('the MCP gateway run apart', () => {
  it('leads a client to Tollgate, which mints a token for this gateway\'s URI', async () => {
    const meta = await (await gateway.app.request('/.well-known/oauth-protected-resource/mcp/reports')).json();
    expect(meta).toMatchObject({ resource: REMOTE_URI, authorization_servers: [ISSUER] });
    const { auth } = await connect();
    expect(decodeJwt((await auth.tokens())!.access_token).aud).toBe(REMOTE_URI);
  });

  it('lists what policy permits, runs reads with the injected credential, waits writes for a human', async () => {
    const { client } = await connect({ task: 'task-remote-2' });
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['reports_get', 'reports_update']);
    const before = m.upstream.ran.length;
    expect(text(await client.callTool({ name: 'reports_get', arguments: { id: 'q3' } }))).toMatch(/^report q3: /);
    expect(m.upstream.ran.slice(before)).toEqual([{ tool: 'reports_get', args: { id: 'q3' }, credential: UPSTREAM_CREDENTIALS.read }]);

    const waiting = await client.callTool({ name: 'reports_update', arguments: { id: 'r1', text: 'x' } });
    const id = (waiting._meta as Record<string, string>)['io.tollgate/approval_id']!;
    expect(id).toMatch(/^apr_/);
    const alice = await m.h.human.mint('alice');
    await m.h.app.request(`/v1/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' }, body: '{}' });
    const ran = await client.callTool({ name: 'reports_update', arguments: { id: 'r1', text: 'x' } });
    expect(text(ran)).toBe('report r1 updated');
    expect(m.upstream.ran.length).toBe(before + 2);

    // Tollgate audited the calls the remote gateway redeemed, named by its key.
    const events = (await auditEvents(m.h)).filter((e) => e.detail?.gateway?.startsWith('gateway-key:') && e.detail?.tool === 'tools/call:reports_get');
    expect(events.at(-1)).toMatchObject({ type: 'credential.issued', decision: 'allow', agent: 'spiffe://example.org/agent/demo' });
  });

  it('refuses other audiences and revoked grants with 401, and never forwards the grant token', async () => {
    const local = await m.grantToken({ scope: 'read' }); // for Tollgate's own /mcp/reports, not this gateway
    const res = await gateway.app.request('/mcp/reports', { method: 'POST', headers: { authorization: `Bearer ${local}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
    expect(res.status).toBe(401);

    const token = await m.grantToken({ uri: REMOTE_URI, scope: 'read', task: 'task-remote-3' });
    const { client } = await connect({ token });
    await client.callTool({ name: 'reports_get', arguments: { id: 'q3' } });
    expect(JSON.stringify(m.upstream.seen)).not.toContain(token);
    await m.h.form('/oauth/revoke', { token }, { authorization: `Bearer ${await m.h.agentToken()}` });
    await expect(client.callTool({ name: 'reports_get', arguments: { id: 'q3' } })).rejects.toThrow(/401|invalid_token|Unauthorized/i);
  });
});

describe('tollgate mcp-gateway', () => {
  it('stops with the path of a bad field in its config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-gw-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, 'gateway: { public_url: http://127.0.0.1:8790 }\ntollgate: { url: http://127.0.0.1:8787, credential: tgw_x }\nservers: { demo: { resource: demo, upstream: { url: nope } } }\n');
    const r = spawnSync(process.execPath, [CLI, 'mcp-gateway', '--config', file], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('tollgate.credential');
    expect(r.stderr).toContain('servers.demo.upstream');
  });
});
