import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { recordingUpstream, type RecordingUpstream } from '../mcp/upstream-http.ts';
import { reportsServer, UPSTREAM_CREDENTIALS } from '../mcp/support.ts';
import { workerHarness, type WorkerHarness } from './worker-harness.ts';

// The MCP gateway in workerd (wrangler dev --local, D1): the same /mcp/{server} code as on Node,
// an SDK Client on one side and an SDK McpServer upstream over HTTP on the other.
let h: WorkerHarness;
let upstream: RecordingUpstream;
const clients: Client[] = [];
beforeAll(async () => {
  upstream = await recordingUpstream(UPSTREAM_CREDENTIALS);
  h = await workerHarness({
    configPatch: (c) => {
      Object.assign(c.providers.secrets.secrets, { 'mcp-read': UPSTREAM_CREDENTIALS.read, 'mcp-write': UPSTREAM_CREDENTIALS.write, 'mcp-delete': UPSTREAM_CREDENTIALS.delete });
      c.resources.push({ id: 'mcp:reports', provider: 'secrets', classification: 'mcp-tools', actions: { read: { secret: 'mcp-read' }, write: { secret: 'mcp-write' }, delete: { secret: 'mcp-delete' } } });
      c.approvals = { groups: { 'team-a': ['https://idp.example#alice'] } };
      c.mcp = { servers: { reports: reportsServer(upstream.url) } };
    },
  });
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await h?.stop();
  await upstream?.close();
});

async function grantToken(task: string): Promise<string> {
  const res = await h.form('/oauth/token', { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await h.agentToken(), resource: 'https://tollgate.test/mcp/reports', scope: 'read write delete', task_id: task });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.access_token;
}

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'worker-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${h.worker.url}/mcp/reports`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  clients.push(client);
  return client;
}

describe('MCP gateway in workerd', () => {
  it('401 leads to the metadata', async () => {
    const res = await h.request('/mcp/reports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('resource_metadata="https://tollgate.test/.well-known/oauth-protected-resource/mcp/reports"');
    expect((await (await h.request('/.well-known/oauth-protected-resource/mcp/reports')).json()).resource).toBe('https://tollgate.test/mcp/reports');
  });

  it('filters tools/list, runs a read with the injected credential, waits a write for a human, refuses after revocation', async () => {
    const token = await grantToken('task-w1');
    const client = await connect(token);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['reports_get', 'reports_update']);
    const read = await client.callTool({ name: 'reports_get', arguments: { id: 'q3' } });
    expect(read.isError).toBeFalsy();
    expect(upstream.ran.at(-1)).toEqual({ tool: 'reports_get', args: { id: 'q3' }, credential: UPSTREAM_CREDENTIALS.read });

    const waiting = await client.callTool({ name: 'reports_update', arguments: { id: 'w', text: 't' } });
    const id = (waiting._meta as Record<string, string>)['io.tollgate/approval_id']!;
    expect(id).toMatch(/^apr_/);
    const ok = await h.request(`/v1/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${await h.human.mint('alice')}`, 'content-type': 'application/json' }, body: '{}' });
    expect(ok.status).toBe(200);
    // Another isolate may have answered: the approval id rides along in _meta, as a client may send it.
    const ran = await client.callTool({ name: 'reports_update', arguments: { id: 'w', text: 't' }, _meta: { 'io.tollgate/approval_id': id } });
    expect(ran.isError, JSON.stringify(ran)).toBeFalsy();
    expect(upstream.ran.at(-1)).toEqual({ tool: 'reports_update', args: { id: 'w', text: 't' }, credential: UPSTREAM_CREDENTIALS.write });
    expect(JSON.stringify(upstream.seen)).not.toContain(token);

    expect((await h.form('/oauth/revoke', { token }, { authorization: `Bearer ${await h.agentToken()}` })).status).toBe(200);
    await expect(client.callTool({ name: 'reports_get', arguments: { id: 'q3' } })).rejects.toThrow(/401|invalid_token/);
  });
});
