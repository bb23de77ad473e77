import { Hono } from 'hono';
import { requestIdFrom } from '../lib/request-id.ts';
import type { Fetch } from '../client/http.ts';
import type { InboundGrant } from './call-authority.ts';
import { demoUpstreams } from './demo-upstream.ts';
import { httpUpstreams } from './http-upstream.ts';
import { mcpGateway, type McpGateway } from './mcp-gateway.ts';
import { mountMcp } from './mount.ts';
import { remoteAuthority } from './remote-authority.ts';
import { standaloneUri, type StandaloneGatewayConfig } from './standalone-config.ts';
import { Upstreams, type UpstreamConnector } from './upstream.ts';

export interface StandaloneParts {
  /** edge-only transports (stdio on Node), given how to ask whether a grant is honoured */
  connectors?: (alive: (g: InboundGrant) => Promise<boolean>) => UpstreamConnector[];
  /** how to reach Tollgate (default: global fetch) */
  tollgateFetch?: Fetch;
  /** how to reach HTTP upstreams (default: global fetch) */
  upstreamFetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

/**
 * The MCP gateway as its own Hono app, deciding every call at a remote Tollgate. Web APIs only,
 * so it runs on Node (`tollgate mcp-gateway`) or anywhere else a fetch handler runs.
 */
export function standaloneGatewayApp(c: StandaloneGatewayConfig, parts: StandaloneParts = {}): { app: Hono; gateway: McpGateway } {
  const authority = remoteAuthority({ url: c.tollgate.url, credential: c.tollgate.credential, ...(c.tollgate.issuer ? { issuer: c.tollgate.issuer } : {}), ...(parts.tollgateFetch ? { fetch: parts.tollgateFetch } : {}), ...(parts.log ? { log: parts.log } : {}) });
  const connectors = [
    ...(parts.connectors?.((g) => authority.alive(g)) ?? []),
    httpUpstreams({ clientInfo: { name: 'tollgate-mcp-gateway', version: '1.0.0' }, ...(parts.upstreamFetch ? { fetch: parts.upstreamFetch } : {}) }),
    demoUpstreams(),
  ];
  const gateway = mcpGateway({
    servers: c.servers,
    uriOf: (name) => standaloneUri(c, name),
    authority,
    upstreams: new Upstreams(connectors),
    now: Date.now,
    maxBodyBytes: c.gateway.max_body_bytes,
  });
  const app = new Hono();
  app.get('/healthz', (ctx) => ctx.json({ ok: true }));
  mountMcp(app, gateway, (req) => requestIdFrom(req));
  return { app, gateway };
}
