import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { workloadAuthProvider } from '../../src/client/mcp-auth.ts';
import { harness, ISSUER, type Harness } from '../support/harness.ts';
import { sha256Hex } from '../../src/lib/digest.ts';

export const GATEWAY_KEY = 'tgw_test-mcp-gateway-key-0123456789abcdef';
import { recordingUpstream, type RecordingUpstream } from './upstream-http.ts';

export const SERVER_URI = `${ISSUER}/mcp/reports`;
export const LOCAL_URI = `${ISSUER}/mcp/local`;
/** the same server behind a gateway that runs apart (tollgate mcp-gateway) */
export const REMOTE_URI = 'http://mcp-gateway.test/mcp/reports';
export const UPSTREAM_CREDENTIALS = { read: 'up-read-cred-1', write: 'up-write-cred-1', delete: 'up-delete-cred-1' };
const STDIO_SCRIPT = new URL('./stdio-upstream.ts', import.meta.url).pathname;

/** The `reports` server's catalog entry, for a gateway that runs apart. */
export function reportsServer(upstreamUrl: string): Record<string, unknown> {
  return {
    resource: 'mcp:reports',
    upstream: { url: upstreamUrl, headers: { authorization: 'Bearer {credential}' } },
    tools: { reports_get: { action: 'read' }, reports_update: { action: 'write', classification: 'reviewed' }, reports_delete: { action: 'delete' }, reports_archive: { action: 'read', classification: 'restricted' } },
    resources: { 'reports://index': { action: 'read' } },
    prompts: { summarise: { action: 'read' } },
  };
}

export interface McpHarness {
  h: Harness;
  upstream: RecordingUpstream;
  /** the app's fetch, for SDK clients: every request goes through the real Hono app */
  fetch: (url: string | URL, init?: RequestInit) => Promise<Response>;
  /** an SDK client that gets its grant the spec's way: 401 → metadata → JWT bearer grant */
  connect(opts?: { agent?: string; task?: string; scope?: string; uri?: string }): Promise<{ client: Client; auth: OAuthClientProvider }>;
  /** an SDK client with a fixed bearer token (no re-authorization) */
  connectWith(token: string, uri?: string): Promise<Client>;
  /** a grant token for the MCP server by JWT bearer grant */
  grantToken(opts?: { agent?: string; task?: string; scope?: string; uri?: string }): Promise<string>;
  close(): Promise<void>;
}

/** A Tollgate (real app, SQLite, Cedar) fronting a recording HTTP upstream and a stdio upstream. */
export async function mcpHarness(): Promise<McpHarness> {
  const upstream = await recordingUpstream(UPSTREAM_CREDENTIALS);
  const gatewayKeyHash = await sha256Hex(GATEWAY_KEY);
  const h = await harness({
    configPatch: (c) => {
      c.trust.gateway_key_hashes = [gatewayKeyHash];
      Object.assign(c.providers.secrets.secrets, { 'mcp-read': UPSTREAM_CREDENTIALS.read, 'mcp-write': UPSTREAM_CREDENTIALS.write, 'mcp-delete': UPSTREAM_CREDENTIALS.delete, 'local-read': 'stdio-cred-1' });
      c.resources.push(
        { id: 'mcp:reports', provider: 'secrets', classification: 'mcp-tools', actions: { read: { secret: 'mcp-read' }, write: { secret: 'mcp-write' }, delete: { secret: 'mcp-delete' } } },
        { id: 'mcp:local', provider: 'secrets', classification: 'mcp-tools', actions: { read: { secret: 'local-read' } } },
      );
      c.approvals = { ttl: '10m', groups: { 'team-a': ['https://idp.example#alice'] } };
      c.mcp = {
        servers: {
          reports: reportsServer(upstream.url),
          remote: { resource: 'mcp:reports', url: REMOTE_URI, upstream: { url: upstream.url, headers: { authorization: 'Bearer {credential}' } } },
          local: {
            resource: 'mcp:local',
            upstream: { command: process.execPath, args: [STDIO_SCRIPT], env: { TOLLGATE_TEST_CREDENTIAL: '{credential}' } },
            tools: { whoami: { action: 'read' } },
          },
        },
      };
    },
  });
  const fetch = (url: string | URL, init?: RequestInit) => Promise.resolve(h.app.request(String(url), init));
  const clients: Client[] = [];
  const open = async (uri: string, opts: ConstructorParameters<typeof StreamableHTTPClientTransport>[1]) => {
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(uri), { fetch, ...opts }));
    clients.push(client);
    return client;
  };
  const grantToken: McpHarness['grantToken'] = async (o = {}) => {
    const res = await h.form('/oauth/token', {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: await h.agentToken(o.agent ?? 'demo', { ttl: 3600 }),
      resource: o.uri ?? SERVER_URI,
      scope: o.scope ?? 'read write',
      task_id: o.task ?? 'task-mcp',
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(JSON.stringify(body));
    return body.access_token as string;
  };
  return {
    h,
    upstream,
    fetch,
    grantToken,
    async connect(o = {}) {
      const auth = workloadAuthProvider({ assertion: () => h.agentToken(o.agent ?? 'demo', { ttl: 3600 }), taskId: o.task ?? 'task-mcp', scope: o.scope ?? 'read write delete' });
      return { client: await open(o.uri ?? SERVER_URI, { authProvider: auth }), auth };
    },
    connectWith: (token, uri = SERVER_URI) => open(uri, { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await upstream.close();
    },
  };
}

/** RFC 8785 canonical JSON for the simple objects the tests send (sorted keys, no whitespace), hashed independently of the gateway. */
export function expectedDigest(args: Record<string, string>): string {
  const canonical = '{' + Object.keys(args).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(args[k])}`).join(',') + '}';
  return 'sha256:' + createHash('sha256').update(canonical).digest('hex');
}

export async function auditEvents(h: Harness): Promise<Record<string, any>[]> {
  const text = await (await h.adminRequest('/v1/audit?after=0&limit=10000')).text();
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

export function text(result: unknown): string {
  const r = result as { content?: { type: string; text?: string }[] };
  return (r.content ?? []).map((c) => c.text ?? '').join('\n');
}
