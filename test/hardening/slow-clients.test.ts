import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/node/server.ts';
import { harness } from '../support/harness.ts';

// Real sockets against the real Node server. A slow client dribbles bytes at a steady pace and
// would take DRIBBLE_LINES * PACE_MS to finish; being cut long before that is the behaviour.
const PACE_MS = 250;
const DRIBBLE_LINES = 80;

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function serveWith(connections: Record<string, unknown>): Promise<RunningServer> {
  const h = await harness({ configPatch: (c) => (c.server.connections = connections) });
  server = await startServer(h.deps, { port: 0, host: '127.0.0.1' });
  return server;
}

interface Slow {
  socket: Socket;
  /** settles when the server closes the connection, or the client ran out of bytes to dribble */
  done: Promise<{ cut: boolean; sent: number; received: string }>;
}

function slowClient(port: number, head: string, line: (i: number) => string): Slow {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let sent = 0;
  const done = new Promise<{ cut: boolean; sent: number; received: string }>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d) => (received += d.toString('latin1')));
    socket.on('close', () => (clearInterval(timer), resolve({ cut: sent < DRIBBLE_LINES, sent, received })));
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent >= DRIBBLE_LINES) return clearInterval(timer), socket.destroy();
        socket.write(line(sent++));
      }, PACE_MS);
    });
  });
  return { socket, done };
}

describe('connection limits on the Node server', () => {
  it('a client that never finishes its headers is cut (408) within headers_timeout while others are served', async () => {
    const s = await serveWith({ headers_timeout: '1s', request_timeout: '2s' });
    const slow = slowClient(s.port, 'GET /healthz/live HTTP/1.1\r\nHost: 127.0.0.1\r\n', (i) => `X-Slow-${i}: x\r\n`);
    const ok = await fetch(`${s.url}/healthz/live`);
    expect(ok.status).toBe(200);
    const r = await slow.done;
    expect(r.cut).toBe(true);
    expect(r.received).toMatch(/^HTTP\/1\.1 408/);
    expect((await fetch(`${s.url}/healthz/live`)).status).toBe(200);
  });

  it('a client that sends its body slowly is cut within request_timeout', async () => {
    const s = await serveWith({ headers_timeout: '1s', request_timeout: '2s' });
    const head = 'POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\n';
    const slow = slowClient(s.port, head, () => 'a=b&');
    const r = await slow.done;
    expect(r.cut).toBe(true);
    expect(r.received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('past connections.max a new connection is closed unanswered; those open are served, and room frees up', async () => {
    const s = await serveWith({ max: 2, headers_timeout: '2s', request_timeout: '3s' });
    const holders = [0, 1].map(() => slowClient(s.port, 'GET /healthz/live HTTP/1.1\r\n', (i) => `X-${i}: y\r\n`));
    // Both are accepted before the third arrives.
    await Promise.all(holders.map((h) => new Promise((r) => (h.socket.readyState === 'open' ? r(null) : h.socket.once('connect', r)))));
    await new Promise((r) => setTimeout(r, 100));
    const third = await new Promise<{ received: string }>((resolve) => {
      let received = '';
      const sock = connect(s.port, '127.0.0.1', () => sock.write('GET /healthz/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
      sock.on('data', (d) => (received += d.toString('latin1')));
      sock.on('error', () => undefined);
      sock.on('close', () => resolve({ received }));
    });
    expect(third.received).toBe('');
    for (const h of holders) expect((await h.done).cut).toBe(true);
    expect((await fetch(`${s.url}/healthz/live`)).status).toBe(200);
  });

  it('defaults: headers 10 s, request 30 s, keep-alive 5 s, 1024 connections', async () => {
    const h = await harness();
    expect(h.deps.config.server.connections).toEqual({ max: 1024, headers_timeout: 10, request_timeout: 30, keep_alive_timeout: 5 });
  });
});
