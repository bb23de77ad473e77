import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpServerConfig } from '../config/mcp-schema.ts';
import { fingerprint } from '../grants/fingerprint.ts';
import { ClientPool } from './client-pool.ts';
import { relayOnlyValidator } from './relay-validator.ts';
import { render, type UpstreamConnector, type UpstreamTarget } from './upstream.ts';

const POOLED = 256;

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * Streamable HTTP upstreams: the credential goes in the configured headers and nowhere else.
 * One connected client per server and credential, so calls under the same credential reuse a
 * session and a new credential (another grant, a refresh) gets its own.
 */
export function httpUpstreams(opts: { fetch?: FetchLike; clientInfo: { name: string; version: string } }): UpstreamConnector {
  const pool = new ClientPool(POOLED);
  const keys = new WeakMap<UpstreamTarget, Promise<string>>();
  const keyOf = (t: UpstreamTarget) => {
    let k = keys.get(t);
    // The pool keys on a fingerprint of the credential, so the credential itself is held only by the client using it.
    if (!k) keys.set(t, (k = fingerprint(t.credential).then((fp) => `${t.name}\n${t.grant.grantId}\n${fp}`)));
    return k;
  };
  return {
    handles: (s: McpServerConfig) => 'url' in s.upstream,
    async connect(t) {
      const up = t.server.upstream as { url: string; headers: Record<string, string> };
      return pool.get(await keyOf(t), async () => {
        const transport = new StreamableHTTPClientTransport(new URL(up.url), {
          requestInit: { headers: render(up.headers, t.credential) },
          ...(opts.fetch ? { fetch: opts.fetch } : {}),
        });
        const client = new Client(opts.clientInfo, { jsonSchemaValidator: relayOnlyValidator });
        await client.connect(transport);
        return client;
      });
    },
    drop(t) {
      void keyOf(t).then((k) => pool.drop(k));
    },
    endGrant: (grantId) => pool.dropWhere((k) => k.split('\n')[1] === grantId),
    close: () => pool.close(),
  };
}
