// A bare Hono server on @hono/node-server: the ceiling the sockets bench compares Tollgate with.
// It parses the same bodies Tollgate's two hot paths parse and answers JSON, nothing else.
//   node bench/bare-hono-server.ts PORT
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/v1/credentials', async (c) => {
  const b = (await c.req.json()) as { token: string; action: string };
  return c.json({ access_token: b.token.slice(0, 16), action: b.action }, 200, { 'cache-control': 'no-store' });
});
app.post('/oauth/token', async (c) => {
  const p = new URLSearchParams(await c.req.text());
  return c.json({ access_token: p.get('subject_token')!.slice(0, 16), scope: p.get('scope') }, 200, { 'cache-control': 'no-store' });
});
serve({ fetch: app.fetch, port: Number(process.argv[2]), hostname: '127.0.0.1' }, () => console.log('listening'));
