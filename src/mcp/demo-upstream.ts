import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { z } from 'zod';
import type { McpServerConfig } from '../config/mcp-schema.ts';
import { fingerprint } from '../grants/fingerprint.ts';
import { ClientPool } from './client-pool.ts';
import { relayOnlyValidator } from './relay-validator.ts';
import type { UpstreamConnector } from './upstream.ts';

/**
 * The dev config's demo MCP server, served in process (no network, runs on Workers too): a
 * small report store with one tool per action class, one resource and one prompt. Each tool
 * answers with the fingerprint of the credential it was reached with, so a walk-through can show
 * that an upstream credential was injected without showing it.
 */
function demoServer(reports: Map<string, string>, credentialFp: string): McpServer {
  const server = new McpServer({ name: 'tollgate-demo', version: '1.0.0' });
  const by = ` (upstream credential ${credentialFp.slice(0, 19)}…)`;
  server.registerTool('reports_get', { description: 'Read a report', inputSchema: { id: z.string().max(64) } }, async ({ id }) => ({
    content: [{ type: 'text', text: reports.has(id) ? `report ${id}: ${reports.get(id)}${by}` : `no report ${id}${by}` }],
  }));
  server.registerTool(
    'reports_update',
    { description: 'Write a report', inputSchema: { id: z.string().max(64), text: z.string().max(1000) } },
    async ({ id, text }) => {
      reports.set(id, text);
      return { content: [{ type: 'text', text: `report ${id} updated${by}` }] };
    },
  );
  server.registerTool('reports_delete', { description: 'Delete a report', inputSchema: { id: z.string().max(64) } }, async ({ id }) => {
    const had = reports.delete(id);
    return { content: [{ type: 'text', text: had ? `report ${id} deleted${by}` : `no report ${id}${by}` }] };
  });
  server.registerResource('index', 'demo://reports/index', { description: 'The list of reports', mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, text: [...reports.keys()].join('\n') }],
  }));
  server.registerPrompt('summarise', { description: 'Summarise a report', argsSchema: { id: z.string().max(64) } }, ({ id }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Summarise report ${id}.` } }],
  }));
  return server;
}

/** Connector for `upstream: { builtin: demo }`: one in-memory server and client per credential. */
export function demoUpstreams(): UpstreamConnector {
  const reports = new Map([['q3', 'revenue up 4%']]);
  const pool = new ClientPool(64);
  return {
    handles: (s: McpServerConfig) => 'builtin' in s.upstream,
    async connect(t) {
      const fp = await fingerprint(t.credential);
      return pool.get(`${t.grant.grantId}\n${fp}`, async () => {
        const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
        await demoServer(reports, fp).connect(serverSide);
        const client = new Client({ name: 'tollgate-gateway', version: '1.0.0' }, { jsonSchemaValidator: relayOnlyValidator });
        await client.connect(clientSide);
        return client;
      });
    },
    drop: () => undefined,
    endGrant: (grantId) => pool.dropWhere((k) => k.split('\n')[0] === grantId),
    close: () => pool.close(),
  };
}
