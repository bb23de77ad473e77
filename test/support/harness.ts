import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { POSTGRES_URL, freshSchemaName } from './postgres.ts';
import type { Hono } from 'hono';
import { createApp } from '../../src/app.ts';
import type { Deps } from '../../src/deps.ts';
import type { AppEnv } from '../../src/http/env.ts';
import { sha256Hex } from '../../src/lib/digest.ts';
import { silentLogger } from '../../src/log.ts';
import { buildNodeDeps, type NodeDepsOptions } from '../../src/node/build-deps.ts';
import { loadConfigFile } from '../../src/node/load-config.ts';
import { TOKEN_EXCHANGE_GRANT } from '../../src/grants/exchange-request.ts';
import { privateSigningJwk, testIssuer, type TestIssuer } from './keys.ts';
import { openApiDocument } from '../../src/http/openapi/document.ts';
import { responseCheck } from './openapi-check.ts';
import { ROOT } from './paths.ts';

export const ISSUER = 'https://tollgate.test';
export const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
export const ADMIN_KEY = 'tgk_test-admin-key-0123456789abcdef';
export const SEAL_KEY = Buffer.alloc(32, 7).toString('base64');

export interface Harness {
  app: Hono<AppEnv>;
  deps: Deps;
  dir: string;
  dbPath: string;
  clock: { now: number };
  workload: TestIssuer;
  human: TestIssuer;
  admin: TestIssuer;
  /** a workload token for an agent under spiffe://example.org/agent/ */
  agentToken(name?: string, opts?: { ttl?: number }): Promise<string>;
  exchange(params: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  adminRequest(path: string, init?: RequestInit): Promise<Response>;
  form(path: string, params: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
}

export interface HarnessOptions extends NodeDepsOptions {
  configPatch?: (c: Record<string, any>) => void;
  dir?: string;
  /** the human identity provider to trust, when a test's upstream must trust the same one */
  humanIssuer?: TestIssuer;
}

/** A real Tollgate: config file on disk, real keys, a real SQLite file, the real Cedar policies. */
export async function harness(opts: HarnessOptions = {}): Promise<Harness> {
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'tollgate-test-'));
  const workload = await testIssuer('https://workload.example', 'wl-1', 'tollgate', now);
  const human = opts.humanIssuer ?? (await testIssuer('https://idp.example', 'idp-1', 'tollgate', now));
  const admin = await testIssuer('https://admin.example', 'adm-1', 'tollgate-admin', now);
  const config: Record<string, any> = {
    server: { issuer: ISSUER, port: 0, introspection_callers: ['spiffe://example.org/gateway'] },
    // TOLLGATE_TEST_STORE=postgres runs the same flows on the PostgreSQL test server, in a schema of their own.
    store: process.env.TOLLGATE_TEST_STORE === 'postgres' ? { postgres: { url: POSTGRES_URL, schema: freshSchemaName() } } : { sqlite: { path: join(dir, 'tollgate.db') } },
    signing: { keys: [{ kid: 'sig-1', alg: 'ES256', private_jwk: JSON.stringify(await privateSigningJwk('sig-1')) }], seal_key: SEAL_KEY },
    trust: {
      issuers: [
        { name: 'workload', issuer: workload.issuer, kind: 'workload', jwks: { keys: [workload.publicJwk] }, audiences: ['tollgate'], algorithms: ['ES256'], spiffe_trust_domains: ['example.org'] },
        { name: 'idp', issuer: human.issuer, kind: 'human', jwks: { keys: [human.publicJwk] }, audiences: ['tollgate'], algorithms: ['ES256'] },
        { name: 'admins', issuer: admin.issuer, kind: 'admin', jwks: { keys: [admin.publicJwk] }, audiences: ['tollgate-admin'], algorithms: ['ES256'] },
      ],
      admin_key_hashes: [await sha256Hex(ADMIN_KEY)],
    },
    agents: [
      { id: 'spiffe://example.org/agent/*', owner: 'team-a', max_ttl: '1h' },
      { id: 'spiffe://example.org/agent/risky', owner: 'team-a', risk: 'high' },
      { id: 'spiffe://example.org/agent/short', owner: 'team-b', max_ttl: 60 },
      { id: 'spiffe://example.org/gateway', owner: 'platform' },
    ],
    providers: { tollgate: { type: 'grant-token' }, secrets: { type: 'sealed-secret', secrets: { 'db-password': 's3cr3t-value' } } },
    resources: [
      { id: 'demo:reports', provider: 'tollgate', classification: 'internal', actions: { read: {}, write: {}, delete: {}, admin: {} } },
      { id: 'demo:db', provider: 'secrets', classification: 'confidential', actions: { read: { secret: 'db-password' } } },
      { id: 'demo:vault', provider: 'tollgate', classification: 'restricted', actions: { read: {} } },
    ],
    policy: { schema_file: join(ROOT, 'config/schema.cedarschema'), files: [join(ROOT, 'config/policies/dev.cedar')] },
  };
  opts.configPatch?.(config);
  const configPath = join(dir, 'tollgate.yaml');
  writeFileSync(configPath, stringify(config));
  const deps = await buildNodeDeps(loadConfigFile(configPath, {}), { now, log: opts.log ?? silentLogger, ...(opts.store ? { store: opts.store } : {}) });
  const app = createApp(deps);
  checkResponsesAgainstOpenApi(app, deps);

  const form = async (path: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
    app.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params).toString() });
  return {
    app,
    deps,
    dir,
    dbPath: join(dir, 'tollgate.db'),
    clock,
    workload,
    human,
    admin,
    agentToken: (name = 'demo', o = {}) => workload.mint(`spiffe://example.org/agent/${name}`, {}, o),
    form,
    exchange: (params, headers) =>
      form('/oauth/token', { grant_type: TOKEN_EXCHANGE_GRANT, subject_token_type: JWT_TYPE, task_id: 'task-1', ...params }, headers),
    adminRequest: async (path, init = {}) => app.request(path, { ...init, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(init.headers as Record<string, string>) } }),
  };
}

/**
 * Every response a test gets through `app.request` is held to the OpenAPI document
 * (/openapi.json): its route, method and status are documented and a JSON body validates against
 * the schema for that status. A response that does not fails the request, naming what differs.
 * The console's HTML pages are not API responses and are not checked.
 */
function checkResponsesAgainstOpenApi(app: Hono<AppEnv>, deps: Deps): void {
  const check = responseCheck(openApiDocument(deps) as never);
  const request = app.request.bind(app);
  app.request = (async (input: string | Request | URL, init?: RequestInit, ...rest: unknown[]) => {
    const res = await (request as (...a: unknown[]) => Promise<Response>)(input, init, ...rest);
    const url = input instanceof Request ? input.url : String(input);
    const method = input instanceof Request ? input.method : (init?.method ?? 'GET');
    if (new URL(url, 'http://x').pathname.startsWith('/console')) return res;
    const problem = await check.problem(method, url, res);
    if (problem) throw new Error(`response not as the OpenAPI document says: ${problem}`);
    return res;
  }) as typeof app.request;
}
