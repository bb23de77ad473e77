// A pass-through HTTP proxy in front of a real Vault that can be told to misbehave like the
// local one (hang, or answer a status), so the provider contract's fault cases run against a
// real server too.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SLOW_MS, type VaultFault } from './server.ts';

export interface FaultProxy {
  address: string;
  fault(kind: VaultFault): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let fault: VaultFault = 'none';
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (fault === 'hang') return;
      if (fault === 'slow') await new Promise((r) => setTimeout(r, SLOW_MS));
      else if (fault !== 'none') {
        res.writeHead(fault, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ errors: [fault === 403 ? 'permission denied' : 'injected fault'] }));
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length') headers[k] = v;
      const upstream = await fetch(new URL(req.url ?? '/', target), { method: req.method ?? 'GET', headers, ...(body.length ? { body: new Uint8Array(body) } : {}) });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    })().catch(() => {
      res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fault: (kind) => {
      fault = kind;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
