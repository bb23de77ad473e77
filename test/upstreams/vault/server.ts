// A local HTTP server speaking the part of Vault's HTTP API Tollgate uses, written from the
// public API documentation (developer.hashicorp.com/vault/api-docs): auth/token/{create,
// create/:role, lookup-self, renew-self, revoke-self, lookup-accessor, revoke-accessor}, auth/:mount/login
// (approle, jwt), sys/leases/{lookup,revoke}, sys/health, database/creds/:role,
// aws/creds/:role, KV v2 at secret/ and KV v1 at kv/. It checks X-Vault-Token (and
// X-Vault-Namespace) on every call, applies a minimal ACL, tracks tokens, accessors and leases
// with their TTLs, and can be told to misbehave.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { login } from './auth-routes.ts';
import { denied, fail, type Handler, type Reply } from './http.ts';
import type { FakeVaultOptions } from './options.ts';
import { awsCreds, databaseCreds, health, kvV1, kvV2, lookupLease, revokeLease } from './secret-routes.ts';
import { VaultState } from './state.ts';
import { createToken, lookupAccessor, lookupSelf, renewSelf, revokeAccessor, revokeSelf } from './token-routes.ts';

export type { FakeVaultOptions } from './options.ts';

/**
 * From now on, the next `times` calls (all when omitted): never answer ('hang'), answer
 * correctly but only after SLOW_MS ('slow'), or answer with this status.
 */
export type VaultFault = 'none' | 'hang' | 'slow' | 500 | 503 | 429 | 403 | 400;
export const SLOW_MS = 300;

export interface RecordedRequest {
  method: string;
  path: string;
  token: string;
  namespace: string;
}

export interface FakeVault {
  address: string;
  rootToken: string;
  state: VaultState;
  /** mutable: a test may seal the server or add a role while it runs */
  options: FakeVaultOptions;
  fault(kind: VaultFault, times?: number): void;
  requests: RecordedRequest[];
  /** how many calls reached METHOD /v1/PATH (path without query) */
  count(method: string, path: string): number;
  close(): Promise<void>;
}

type Route = { methods: readonly string[]; pattern: RegExp; handler: Handler; authenticated: boolean };
const READ = ['GET'];
const WRITE = ['POST', 'PUT'];
const ROUTES: Route[] = [
  { methods: READ, pattern: /^sys\/health$/, handler: health, authenticated: false },
  { methods: WRITE, pattern: /^auth\/token\/create$/, handler: createToken, authenticated: true },
  { methods: WRITE, pattern: /^auth\/token\/create\/([A-Za-z0-9_.-]+)$/, handler: createToken, authenticated: true },
  { methods: READ, pattern: /^auth\/token\/lookup-self$/, handler: lookupSelf, authenticated: true },
  { methods: WRITE, pattern: /^auth\/token\/renew-self$/, handler: renewSelf, authenticated: true },
  { methods: WRITE, pattern: /^auth\/token\/lookup-accessor$/, handler: lookupAccessor, authenticated: true },
  { methods: WRITE, pattern: /^auth\/token\/revoke-accessor$/, handler: revokeAccessor, authenticated: true },
  { methods: WRITE, pattern: /^auth\/token\/revoke-self$/, handler: revokeSelf, authenticated: true },
  { methods: WRITE, pattern: /^auth\/(.+)\/login$/, handler: login, authenticated: false },
  { methods: WRITE, pattern: /^sys\/leases\/lookup$/, handler: lookupLease, authenticated: true },
  { methods: WRITE, pattern: /^sys\/leases\/revoke$/, handler: revokeLease, authenticated: true },
  { methods: READ, pattern: /^database\/creds\/([A-Za-z0-9_.-]+)$/, handler: databaseCreds, authenticated: true },
  { methods: READ, pattern: /^aws\/creds\/([A-Za-z0-9_.-]+)$/, handler: awsCreds, authenticated: true },
  { methods: READ, pattern: /^secret\/data\/(.+)$/, handler: kvV2, authenticated: true },
  { methods: READ, pattern: /^kv\/(.+)$/, handler: kvV1, authenticated: true },
];

export async function startFakeVault(options: FakeVaultOptions = {}): Promise<FakeVault> {
  const state = new VaultState({ now: options.now ?? Date.now, namespace: options.namespace ?? '', acl: options.acl ?? {}, maxLeaseTtl: options.maxLeaseTtl ?? 32 * 86400 });
  const root = state.createToken({ policies: ['root'], path: 'auth/token/root', displayName: 'root' });
  const requests: RecordedRequest[] = [];
  let fault: { kind: VaultFault; left: number } = { kind: 'none', left: 0 };

  const answer = async (req: IncomingMessage): Promise<Reply | null> => {
    const url = new URL(req.url ?? '/', 'http://vault.local');
    if (!url.pathname.startsWith('/v1/')) return fail(404);
    const path = url.pathname.slice(4);
    const token = header(req, 'x-vault-token');
    const namespace = header(req, 'x-vault-namespace');
    requests.push({ method: req.method ?? '', path, token, namespace });
    const raw = await readBody(req);

    if (fault.kind !== 'none' && fault.left !== 0) {
      fault.left--;
      if (fault.kind === 'hang') return null;
      if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, SLOW_MS));
      else return fail(fault.kind, fault.kind === 403 ? 'permission denied' : fault.kind === 400 ? 'bad request' : 'internal error');
    }
    const route = ROUTES.find((r) => r.pattern.test(path));
    if (!route) return fail(404, `no handler for route "${path}". route entry not found.`);
    if (!route.methods.includes(req.method ?? '')) return fail(405, 'unsupported operation');
    if (options.sealed && route.handler !== health) return fail(503, 'Vault is sealed');

    let caller = null;
    if (route.authenticated) {
      caller = token ? state.lookup(token) : null;
      if (!caller || caller.namespace !== namespace || !state.allows(caller, path)) return denied();
    }
    let body: Record<string, unknown> = {};
    try {
      if (raw) body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return fail(400, 'failed to parse JSON input');
    }
    const params = route.pattern.exec(path)!.slice(1);
    return route.handler({ state, opts: options, body, query: url.searchParams, params, token: caller, namespace });
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    answer(req).then(
      (reply) => {
        if (!reply) return; // hang: the client's timeout has to end it
        res.writeHead(reply.status, reply.body === undefined ? {} : { 'content-type': 'application/json' });
        res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
      },
      () => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: ['internal error'] }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: `http://127.0.0.1:${port}`,
    rootToken: root.id,
    state,
    options,
    requests,
    fault(kind, times = -1) {
      fault = { kind, left: times };
    },
    count: (method, path) => requests.filter((r) => r.method === method && r.path === path).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections(); // hung requests included
        server.close(() => resolve());
      }),
  };
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
