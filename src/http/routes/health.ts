import type { Deps } from '../../deps.ts';
import type { Context } from 'hono';
import type { App, AppEnv } from '../env.ts';

/** How long one probe's answer stands: an unauthenticated endpoint must not turn into a write per request. */
const PROBE_TTL_MS = 1000;

export type StoreHealth = 'ok' | 'unreachable' | 'read_only';

/**
 * What the store can do now: answer reads, and take a write. Probed at most once a second; the
 * answer is shared by readiness and by /metrics (tollgate_store_writable).
 */
export function storeHealth(deps: Deps): () => Promise<StoreHealth> {
  let last: { at: number; answer: Promise<StoreHealth> } | null = null;
  return () => {
    const now = deps.now();
    if (last && now - last.at < PROBE_TTL_MS) return last.answer;
    const answer = deps.store.ping().then(
      () => deps.store.probeWrite(now).then((): StoreHealth => 'ok', (): StoreHealth => 'read_only'),
      (): StoreHealth => 'unreachable',
    );
    last = { at: now, answer };
    return answer;
  };
}

/**
 * Liveness and readiness, apart: a node whose database cannot take writes is not ready (nothing
 * can be issued or revoked through it) but is alive, so an orchestrator routes around it instead
 * of restarting a process that is only waiting for its database. `/healthz` is readiness.
 */
export function registerHealth(app: App, health: () => Promise<StoreHealth>): void {
  app.get('/healthz/live', (c) => c.json({ status: 'ok' }));
  const ready = async (c: Context<AppEnv>) => {
    const s = await health();
    if (s === 'ok') return c.json({ status: 'ok' });
    return c.json({ status: 'unavailable', reason: s === 'read_only' ? 'store_read_only' : 'store' }, 503);
  };
  app.get('/healthz/ready', ready);
  app.get('/healthz', ready);
}
