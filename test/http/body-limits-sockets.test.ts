import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_EXCHANGE_GRANT } from '../../src/grants/exchange-request.ts';
import { listen, type Served } from '../client/served.ts';
import { harness, JWT_TYPE, type Harness } from '../support/harness.ts';

// Bodies over real sockets: a declared Content-Length within the limit is read by the runtime's
// whole-body reader, anything else is counted as it arrives; both are bounded by max_body_bytes.
const LIMIT = 65_536;

let h: Harness;
let served: Served;

beforeAll(async () => {
  h = await harness();
  served = await listen(h.app);
});
afterAll(async () => {
  await served.close();
  await h.deps.store.close();
});

/** POST /oauth/token over a socket; `chunks` are sent with chunked transfer coding unless `length` is set. */
function post(chunks: string[], length?: number): Promise<{ status: number; body: { error?: string; scope?: string } }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (length !== undefined) headers['content-length'] = length;
    const req = request(`${served.url}/oauth/token`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' || (e as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(e)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

const form = (subject: string) => new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subject, subject_token_type: JWT_TYPE, scope: 'demo:reports:read', task_id: 't' }).toString();

describe('request bodies over real sockets', () => {
  it('reads a body whose declared length is within the limit', async () => {
    const body = form(await h.agentToken('body-declared'));
    const res = await post([body], Buffer.byteLength(body));
    expect(res).toMatchObject({ status: 200, body: { scope: 'demo:reports:read' } });
  });

  it('refuses a declared length over the limit with 413', async () => {
    const body = form('x'.repeat(LIMIT));
    const res = await post([body], Buffer.byteLength(body));
    expect(res).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
  });

  it('refuses a chunked body that grows past the limit with 413', async () => {
    const res = await post([form('x'.repeat(1000)), ...Array.from({ length: 80 }, () => 'y'.repeat(1024))]);
    expect(res).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
  });

  it('reads a chunked body within the limit', async () => {
    const body = form(await h.agentToken('body-chunked'));
    const res = await post([body.slice(0, 10), body.slice(10)]);
    expect(res).toMatchObject({ status: 200, body: { scope: 'demo:reports:read' } });
  });
});

describe('request bodies built in process', () => {
  it('refuses a body longer than the limit even when its Content-Length header says it is short', async () => {
    const body = form('x'.repeat(LIMIT + 10));
    const res = await h.app.request('/oauth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '100' }, body });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe('payload_too_large');
  });
});
