import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stampHeaders } from '../../src/http/stamp-headers.ts';
import { listen, type Served } from '../client/served.ts';
import { harness, type Harness } from '../support/harness.ts';

// Headers added after the handler, over real sockets: on the app's own responses, on its error
// answers, and on a response whose headers are immutable (passed through from fetch).
let h: Harness;
let served: Served;
let upstream: Served;
let proxy: Served;

beforeAll(async () => {
  h = await harness();
  served = await listen(h.app);
  const up = new Hono();
  up.get('/', (c) => c.text('from upstream', 200, { 'x-upstream': 'yes' }));
  upstream = await listen(up);
  const px = new Hono();
  px.use('*', async (c, next) => {
    await next();
    stampHeaders(c, { 'x-stamped': '1', 'x-content-type-options': 'nosniff' });
  });
  px.get('/passthrough', () => fetch(upstream.url));
  px.get('/redirect', () => Response.redirect('http://127.0.0.1/elsewhere', 302));
  px.get('/json', (c) => c.json({ ok: true }, 201, { 'x-handler': 'set' }));
  proxy = await listen(px);
});
afterAll(async () => {
  await Promise.all([served.close(), upstream.close(), proxy.close()]);
  await h.deps.store.close();
});

describe('headers stamped after the handler', () => {
  it('are on the app’s answers and its errors, with the body intact', async () => {
    const ok = await fetch(`${served.url}/.well-known/jwks.json`, { headers: { 'x-request-id': 'req-abc' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBe('req-abc');
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(((await ok.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);

    const missing = await fetch(`${served.url}/no/such/path`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toMatch(/\S/);
    expect(missing.headers.get('x-content-type-options')).toBe('nosniff');
    expect(((await missing.json()) as { error: string }).error).toBe('not_found');
  });

  it('keep the handler’s own status and headers', async () => {
    const res = await fetch(`${proxy.url}/json`);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-handler')).toBe('set');
    expect(res.headers.get('x-stamped')).toBe('1');
    expect(await res.json()).toEqual({ ok: true });
  });

  it('are added to a response whose headers are immutable, by copying it', async () => {
    const passed = await fetch(`${proxy.url}/passthrough`);
    expect(passed.status).toBe(200);
    expect(passed.headers.get('x-upstream')).toBe('yes');
    expect(passed.headers.get('x-stamped')).toBe('1');
    expect(await passed.text()).toBe('from upstream');

    const moved = await fetch(`${proxy.url}/redirect`, { redirect: 'manual' });
    expect(moved.status).toBe(302);
    expect(moved.headers.get('location')).toBe('http://127.0.0.1/elsewhere');
    expect(moved.headers.get('x-stamped')).toBe('1');
  });
});
