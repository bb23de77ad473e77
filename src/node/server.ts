import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../app.ts';
import type { Deps } from '../deps.ts';
import { reconcile, retainAudit, sweepExpired } from '../grants/maintenance.ts';
import { runRevocationJobs } from '../grants/revocation-worker.ts';
import { applyConnectionCap, httpServerOptions } from './http-limits.ts';

export interface RunningServer {
  url: string;
  port: number;
  deps: Deps;
  /** settles when the start-up reconciliation (stale issuing rows, resumed revocations, orphans) has run */
  reconciled: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the Node server: serve at once, then reconcile what a previous process left (on one
 * SQLite file every `issuing` row at start is an orphan) in the background, and run the sweeper,
 * the revocation worker, periodic reconciliation and (when audit.retention.interval is set) audit
 * retention on timers that never overlap themselves.
 * Listening before a resumed mass revocation has marked its rows is safe: a recorded, unfinished
 * revocation already binds every path (token, introspection, per-call), and an `issuing` row is
 * honoured nowhere.
 */
export async function startServer(deps: Deps, opts: { port?: number; host?: string } = {}): Promise<RunningServer> {
  const app = createApp(deps);
  const host = opts.host ?? deps.config.server.host;
  const server: ServerType = await new Promise((resolve) => {
    const limits = deps.config.server.connections;
    const s = serve({ fetch: app.fetch, port: opts.port ?? deps.config.server.port, hostname: host, serverOptions: httpServerOptions(limits) }, () => resolve(s));
    applyConnectionCap(s, limits);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let started = false;
  const shared = deps.config.store.postgres !== undefined;
  let markReconciled!: () => void;
  const reconciled = new Promise<void>((resolve) => (markReconciled = resolve));
  const timers = [
    every(deps, 'expiry sweep', deps.config.server.sweep_interval * 1000, () => sweepExpired(deps)),
    every(deps, 'revocation jobs', deps.config.server.job_interval * 1000, () => runRevocationJobs(deps)),
    every(
      deps,
      'reconcile',
      deps.config.server.reconcile_interval * 1000,
      async () => {
        // On a store of its own, the first run treats every `issuing` row as stale: this process
        // has issued nothing yet. A shared store (PostgreSQL) holds other live nodes' rows too.
        try {
          const r = await reconcile(deps, started || shared ? undefined : 0);
          if (!started && (r.failed || r.resumed || r.orphans)) deps.log.log('warn', 'reconciled after an unclean stop', { failed_issuing: r.failed, resumed_revocations: r.resumed, revoked_orphans: r.orphans });
        } finally {
          started = true;
          markReconciled();
        }
      },
      true,
    ),
  ];
  const { interval } = deps.config.audit.retention;
  // Another node holding the run (PostgreSQL) means this one skips the period.
  if (interval !== undefined && deps.auditArchive) timers.push(every(deps, 'audit retention', interval * 1000, () => deps.store.runAlone('audit-retention', () => retainAudit(deps))));
  return {
    url: `http://${host}:${port}`,
    port,
    deps,
    reconciled,
    async stop() {
      for (const t of timers) t.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const p of deps.providers.values()) await p.stop?.().catch(() => undefined);
      deps.auditArchive?.close?.();
      await deps.store.close();
    },
  };
}

function every(deps: Deps, name: string, ms: number, fn: () => Promise<unknown>, now = false): { stop(): void } {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await fn();
    } catch (e) {
      deps.log.log('error', `${name} failed`, { error: e instanceof Error ? e.message : String(e) });
    } finally {
      running = false;
    }
  };
  const t = setInterval(run, ms);
  t.unref();
  if (now) void run();
  return { stop: () => clearInterval(t) };
}
