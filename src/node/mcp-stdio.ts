import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { McpServerConfig } from '../config/mcp-schema.ts';
import type { InboundGrant } from '../mcp/call-authority.ts';
import { relayOnlyValidator } from '../mcp/relay-validator.ts';
import { render, type UpstreamConnector, type UpstreamTarget } from '../mcp/upstream.ts';

export interface StdioOptions {
  /** whether a grant is still honoured; asked every `watchMs` for each grant with a running process */
  alive: (grant: InboundGrant) => Promise<boolean>;
  watchMs?: number;
  /** at most this many processes at once (each is one grant and action) */
  max?: number;
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

interface Running {
  grant: InboundGrant;
  client: Promise<Client>;
  stopAt: ReturnType<typeof setTimeout>;
}

/**
 * stdio upstreams: a process per grant and action class, started with that action's per-call
 * credential in its environment (the only place it is given) and stopped when the grant ends:
 * revoked or its task completed (seen by the watcher within `watchMs`, or at once by the next
 * refused call), or expired (a timer at its `exp`). The process inherits only the SDK's minimal
 * environment (PATH, HOME, …), never the gateway's own secrets.
 */
export function stdioUpstreams(opts: StdioOptions): UpstreamConnector & { running(): string[] } {
  const procs = new Map<string, Running>();
  const max = opts.max ?? 64;
  const stop = async (key: string) => {
    const r = procs.get(key);
    if (!r) return;
    procs.delete(key);
    clearTimeout(r.stopAt);
    await r.client.then((c) => c.close()).catch(() => undefined);
  };
  const stopGrant = (grantId: string) => Promise.all([...procs.keys()].filter((k) => k.startsWith(`${grantId}\n`)).map(stop)).then(() => undefined);
  let checking = false;
  const watcher = setInterval(async () => {
    if (checking || procs.size === 0) return;
    checking = true;
    try {
      const grants = new Map([...procs.values()].map((r) => [r.grant.grantId, r.grant]));
      for (const g of grants.values()) {
        const live = await opts.alive(g).catch(() => true); // an unanswered check is not a revocation; the next call decides
        if (!live) {
          opts.log?.('stdio upstream stopped: its grant ended', { grant_id: g.grantId });
          await stopGrant(g.grantId);
        }
      }
    } finally {
      checking = false;
    }
  }, opts.watchMs ?? 1000);
  watcher.unref?.();

  const keyOf = (t: UpstreamTarget) => `${t.grant.grantId}\n${t.name}\n${t.action}`;
  return {
    handles: (s: McpServerConfig) => 'command' in s.upstream,
    async connect(t) {
      const key = keyOf(t);
      const known = procs.get(key);
      if (known) return known.client;
      if (procs.size >= max) await stop(procs.keys().next().value!);
      const up = t.server.upstream as { command: string; args: string[]; cwd?: string; env: Record<string, string> };
      const client = (async () => {
        const transport = new StdioClientTransport({
          command: up.command,
          args: up.args,
          env: { ...getDefaultEnvironment(), ...render(up.env, t.credential) },
          stderr: 'ignore',
          ...(up.cwd ? { cwd: up.cwd } : {}),
        });
        const c = new Client({ name: 'tollgate-gateway', version: '1.0.0' }, { jsonSchemaValidator: relayOnlyValidator });
        await c.connect(transport);
        return c;
      })();
      const stopAt = setTimeout(() => void stop(key), Math.max(0, t.grant.expiresAt - Date.now()));
      stopAt.unref?.();
      procs.set(key, { grant: t.grant, client, stopAt });
      client.catch(() => void stop(key));
      return client;
    },
    drop(t) {
      void stop(keyOf(t));
    },
    endGrant: stopGrant,
    async close() {
      clearInterval(watcher);
      await Promise.all([...procs.keys()].map(stop));
    },
    running: () => [...procs.keys()],
  };
}
