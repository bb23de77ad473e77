import type { RegisterRoutes } from '../env.ts';

/** Ready when the store answers; a broken store means no grants, so the probe says so. */
export const registerHealth: RegisterRoutes = (app, deps) => {
  app.get('/healthz', async (c) => {
    try {
      await deps.store.ping();
      return c.json({ status: 'ok' });
    } catch {
      return c.json({ status: 'unavailable', reason: 'store' }, 503);
    }
  });
};
