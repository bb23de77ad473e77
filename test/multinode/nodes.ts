import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { POSTGRES_URL } from '../support/postgres.ts';
import { freePort } from '../support/free-port.ts';
import { CLI, ROOT } from '../support/paths.ts';
export { CLI, ROOT } from '../support/paths.ts';

export interface Node {
  url: string;
  port: number;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A `tollgate serve` process with these arguments; resolves once it listens. */
export async function startNode(args: string[], port: number, env: Record<string, string> = {}): Promise<Node> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', ...args, '--port', String(port)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`node did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', () => {
      if (out.includes('Tollgate listening on')) clearTimeout(t), resolve();
    });
    child.once('exit', (code) => (clearTimeout(t), reject(new Error(`node exited ${code}:\n${out}`))));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => out,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

/** A database of its own on the test server, for nodes that share it; dropped by `drop`. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tollgate_mn_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * The dev config with `server` settings changed, written beside the data folder, its relative
 * paths made absolute, for nodes started with --config (and the dev environment).
 */
export function devConfigWith(data: string, server: Record<string, unknown>, sections: Record<string, unknown> = {}): string {
  const doc = parse(readFileSync(join(ROOT, 'config/tollgate.dev.yaml'), 'utf8')) as { server: Record<string, unknown>; policy: { schema_file: string; files: string[] } };
  Object.assign(doc.server, server);
  Object.assign(doc, sections);
  doc.policy.schema_file = join(ROOT, 'config', doc.policy.schema_file);
  doc.policy.files = doc.policy.files.map((f) => join(ROOT, 'config', f));
  const path = join(data, 'tollgate.multinode.yaml');
  writeFileSync(path, stringify(doc));
  return path;
}

/** A round-robin load balancer: every request goes to the next node, as behind a real one. */
export async function roundRobin(targets: () => string[]): Promise<{ url: string; close(): Promise<void> }> {
  let next = 0;
  const server = http.createServer((req, res) => {
    const list = targets();
    const target = new URL(list[next++ % list.length]!);
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(up);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

/** A TCP proxy in front of PostgreSQL that can be cut (every connection dropped, new ones refused) and restored. */
export async function cuttableProxy(upstream: string): Promise<{ url: string; cut(): void; restore(): void; close(): Promise<void> }> {
  const target = new URL(upstream);
  let open = true;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!open) return client.destroy();
    const up = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(up);
    const drop = () => (client.destroy(), up.destroy(), sockets.delete(client), sockets.delete(up));
    client.on('error', drop).on('close', drop);
    up.on('error', drop).on('close', drop);
    client.pipe(up).pipe(client);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = new URL(upstream);
  url.host = `127.0.0.1:${port}`;
  const dropAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    url: url.toString(),
    cut() {
      open = false;
      dropAll();
    },
    restore() {
      open = true;
    },
    close: () => new Promise((resolve) => (dropAll(), server.close(() => resolve()))),
  };
}
