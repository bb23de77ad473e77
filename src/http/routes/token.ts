import type { RegisterRoutes } from '../env.ts';
import { exchange } from '../../flows/exchange.ts';
import { readForm } from '../../lib/read-body.ts';

export const registerToken: RegisterRoutes = (app, deps) => {
  app.post('/oauth/token', async (c) => {
    const form = await readForm(c.req.raw, deps.config.server.limits.max_body_bytes);
    const body = await exchange(deps, form, c.get('requestId'));
    return c.json(body, 200, { 'cache-control': 'no-store', pragma: 'no-cache' });
  });
};
