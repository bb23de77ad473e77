import { readFileSync } from 'node:fs';
import { TOKEN_EXCHANGE_GRANT } from '../../src/grants/exchange-request.ts';
import { sha256Hex } from '../../src/lib/digest.ts';
import { ADMIN_KEY, JWT_TYPE, SEAL_KEY } from '../support/harness.ts';
import { privateSigningJwk, testIssuer, type TestIssuer } from '../support/keys.ts';
import { ROOT, startWranglerDev, type WranglerDev } from './wrangler-dev.ts';

export { ADMIN_KEY, JWT_TYPE };

/** Tollgate in workerd (`wrangler dev --local`, local D1), with real issuers' keys and the dev Cedar policies. */
export interface WorkerHarness {
  worker: WranglerDev;
  /** the config and the secrets it names, as the Worker was given them (to run the same on Node) */
  config: Record<string, any>;
  secrets: Record<string, string>;
  workload: TestIssuer;
  human: TestIssuer;
  agentToken(name?: string): Promise<string>;
  exchange(params: Record<string, string>): Promise<Response>;
  form(path: string, params: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  adminRequest(path: string, init?: RequestInit): Promise<Response>;
  request(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export interface WorkerHarnessOptions {
  configPatch?: (c: Record<string, any>) => void;
  /** more vars and secrets beside the harness's */
  vars?: Record<string, string>;
  humanIssuer?: TestIssuer;
}

/**
 * The config is what a deployment would hold in TOLLGATE_CONFIG_YAML: no files, every secret a
 * `${NAME}` given as a separate Worker secret (signing key, seal key, admin key hash).
 */
export async function workerHarness(opts: WorkerHarnessOptions = {}): Promise<WorkerHarness> {
  const workload = await testIssuer('https://workload.example', 'wl-1');
  const human = opts.humanIssuer ?? (await testIssuer('https://idp.example', 'idp-1'));
  const config: Record<string, any> = {
    server: { issuer: 'https://tollgate.test', introspection_callers: ['spiffe://example.org/gateway'] },
    store: { d1: { binding: 'DB' } },
    signing: { keys: [{ kid: 'sig-1', alg: 'ES256', private_jwk: '${TOLLGATE_SIGNING_JWK}' }], seal_key: '${TOLLGATE_SEAL_KEY}' },
    trust: {
      issuers: [
        { name: 'workload', issuer: workload.issuer, kind: 'workload', jwks: { keys: [workload.publicJwk] }, audiences: ['tollgate'], algorithms: ['ES256'], spiffe_trust_domains: ['example.org'] },
        { name: 'idp', issuer: human.issuer, kind: 'human', jwks: { keys: [human.publicJwk] }, audiences: ['tollgate'], algorithms: ['ES256'] },
      ],
      admin_key_hashes: ['${TOLLGATE_ADMIN_KEY_HASH}'],
    },
    agents: [
      { id: 'spiffe://example.org/agent/*', owner: 'team-a', max_ttl: '1h' },
      { id: 'spiffe://example.org/gateway', owner: 'platform' },
    ],
    providers: { tollgate: { type: 'grant-token' }, secrets: { type: 'sealed-secret', secrets: { 'db-password': 's3cr3t-value' } } },
    resources: [
      { id: 'demo:reports', provider: 'tollgate', classification: 'internal', actions: { read: {}, write: {}, delete: {} } },
      { id: 'demo:db', provider: 'secrets', classification: 'confidential', actions: { read: { secret: 'db-password' } } },
    ],
    policy: { schema: readFileSync(`${ROOT}/config/schema.cedarschema`, 'utf8'), text: readFileSync(`${ROOT}/config/policies/dev.cedar`, 'utf8') },
  };
  opts.configPatch?.(config);
  const secrets: Record<string, string> = {
    TOLLGATE_SIGNING_JWK: JSON.stringify(await privateSigningJwk('sig-1')),
    TOLLGATE_SEAL_KEY: SEAL_KEY,
    TOLLGATE_ADMIN_KEY_HASH: await sha256Hex(ADMIN_KEY),
    ...opts.vars,
  };
  const worker = await startWranglerDev({ vars: { TOLLGATE_CONFIG_YAML: config, ...secrets } });
  const request = (path: string, init?: RequestInit) => fetch(worker.url + path, init);
  const form = (path: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
    request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params).toString() });
  return {
    worker,
    config,
    secrets,
    workload,
    human,
    agentToken: (name = 'demo') => workload.mint(`spiffe://example.org/agent/${name}`),
    exchange: (params) => form('/oauth/token', { grant_type: TOKEN_EXCHANGE_GRANT, subject_token_type: JWT_TYPE, task_id: 'task-1', ...params }),
    form,
    request,
    adminRequest: (path, init = {}) => request(path, { ...init, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(init.headers as Record<string, string>) } }),
    stop: () => worker.stop(),
  };
}
