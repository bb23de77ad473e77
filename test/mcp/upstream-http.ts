import { createServer, type IncomingMessage, type Server } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** What the upstream saw of one HTTP request: every header (to prove what was and was not injected). */
export interface Seen {
  method: string | undefined;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface RecordingUpstream {
  url: string;
  seen: Seen[];
  /** tool calls that ran, in order */
  ran: { tool: string; args: unknown; credential: string }[];
  close(): Promise<void>;
}

/**
 * A real MCP server (the SDK's McpServer over its Node Streamable HTTP transport) standing for an
 * upstream behind Tollgate. It accepts only the credentials it was told of, per action class, so
 * a call that arrives with the wrong one (or the agent's grant token) fails, and it records every
 * request it received.
 */
export async function recordingUpstream(credentials: { read: string; write: string; delete: string }): Promise<RecordingUpstream> {
  const seen: Seen[] = [];
  const ran: RecordingUpstream['ran'] = [];
  const reports = new Map([['q3', 'revenue up 4%']]);
  const allowed = new Set(Object.values(credentials));
  const need = (auth: string | undefined, action: keyof typeof credentials) => {
    if (auth !== `Bearer ${credentials[action]}`) throw new Error(`upstream: ${action} needs its own credential`);
    return auth.slice(7);
  };

  const build = (auth: string | undefined) => {
    const s = new McpServer({ name: 'reports-upstream', version: '1.0.0' });
    s.registerTool('reports_get', { inputSchema: { id: z.string() } }, async ({ id }) => {
      ran.push({ tool: 'reports_get', args: { id }, credential: need(auth, 'read') });
      return { content: [{ type: 'text', text: `report ${id}: ${reports.get(id) ?? 'none'}` }] };
    });
    s.registerTool('reports_update', { inputSchema: { id: z.string(), text: z.string() } }, async ({ id, text }) => {
      ran.push({ tool: 'reports_update', args: { id, text }, credential: need(auth, 'write') });
      reports.set(id, text);
      return { content: [{ type: 'text', text: `report ${id} updated` }] };
    });
    s.registerTool('reports_delete', { inputSchema: { id: z.string() } }, async ({ id }) => {
      ran.push({ tool: 'reports_delete', args: { id }, credential: need(auth, 'delete') });
      reports.delete(id);
      return { content: [{ type: 'text', text: `report ${id} deleted` }] };
    });
    s.registerTool('reports_archive', { inputSchema: { id: z.string() } }, async ({ id }) => {
      ran.push({ tool: 'reports_archive', args: { id }, credential: need(auth, 'read') });
      return { content: [{ type: 'text', text: `archived report ${id}` }] };
    });
    s.registerTool('shell_exec', { inputSchema: { cmd: z.string() } }, async ({ cmd }) => {
      ran.push({ tool: 'shell_exec', args: { cmd }, credential: auth ?? '' });
      return { content: [{ type: 'text', text: 'ran' }] };
    });
    s.registerResource('index', 'reports://index', { mimeType: 'text/plain' }, async (uri) => ({ contents: [{ uri: uri.href, text: [...reports.keys()].join('\n') }] }));
    s.registerResource('secrets', 'reports://secrets', { mimeType: 'text/plain' }, async (uri) => ({ contents: [{ uri: uri.href, text: 'top secret' }] }));
    // Completing `id` lists report ids: what the catalog classifies as the prompt's class decides it.
    const completeId = (action: 'read' | 'write') => (value: string) => {
      ran.push({ tool: `complete:${action}`, args: { value }, credential: need(auth, 'read') });
      return [...reports.keys()].filter((k) => k.startsWith(value));
    };
    s.registerPrompt('summarise', { argsSchema: { id: completable(z.string(), completeId('read')) } }, ({ id }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Summarise ${id}` } }] }));
    s.registerPrompt('unlisted', { argsSchema: { id: completable(z.string(), completeId('write')) } }, ({ id }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Unlisted ${id}` } }] }));
    return s;
  };

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const body = text ? JSON.parse(text) : undefined;
    seen.push({ method: body?.method, headers: req.headers, body });
    const auth = req.headers.authorization;
    if (!auth || !allowed.has(auth.replace(/^Bearer /, ''))) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
      return;
    }
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    const mcp = build(auth);
    await mcp.connect(transport);
    res.on('close', () => void mcp.close());
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    seen,
    ran,
    close: () => new Promise((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}
