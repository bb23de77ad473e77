import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { silentLogger } from '../../src/log.ts';
import { buildWorkerDeps, type WorkerEnv } from '../../src/worker/build-worker-deps.ts';
import { StartupError } from '../../src/worker/startup-error.ts';
import { privateSigningJwk, testIssuer } from '../support/keys.ts';
import { ROOT, startWranglerDev, type WranglerDev } from './wrangler-dev.ts';

// A Worker that cannot build its whole service answers 500 with a code naming the problem, on
// every path: never a half-working service.

async function config(patch: (c: Record<string, any>) => void = () => {}): Promise<Record<string, any>> {
  const workload = await testIssuer('https://workload.example', 'wl-1');
  const c: Record<string, any> = {
    server: { issuer: 'https://tollgate.test' },
    store: { d1: { binding: 'DB' } },
    signing: { keys: [{ kid: 'w1', alg: 'ES256', private_jwk: '${TOLLGATE_SIGNING_JWK}' }] },
    trust: { issuers: [{ name: 'wl', issuer: workload.issuer, kind: 'workload', jwks: { keys: [workload.publicJwk] }, audiences: ['tollgate'], algorithms: ['ES256'], spiffe_trust_domains: ['example.org'] }] },
    agents: [{ id: 'spiffe://example.org/agent/*', owner: 'team' }],
    providers: { t: { type: 'grant-token' } },
    resources: [{ id: 'demo:reports', provider: 't', actions: { read: {} } }],
    policy: { schema: readFileSync(`${ROOT}/config/schema.cedarschema`, 'utf8'), text: readFileSync(`${ROOT}/config/policies/dev.cedar`, 'utf8') },
  };
  patch(c);
  return c;
}

const fakeD1 = { prepare: () => ({}), batch: async () => [] };
async function startupError(env: WorkerEnv): Promise<StartupError> {
  const e = await buildWorkerDeps(env, { cedar, log: silentLogger, openStore: async () => ({}) as never }).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof StartupError)) throw new Error(`expected a StartupError, got ${String(e)}`);
  return e;
}

describe('Worker start-up checks (the function the Worker runs, on Node)', () => {
  it.each([
    ['no config at all', async () => ({}), 'config_missing', /TOLLGATE_CONFIG_YAML is not set/],
    ['a secret the config names is not set', async () => ({ TOLLGATE_CONFIG_YAML: JSON.stringify(await config()), DB: fakeD1 }), 'config_invalid', /signing\.keys\[0\]\.private_jwk: environment variable TOLLGATE_SIGNING_JWK is not set/],
    ['a file reference (a Worker reads no files)', async () => ({ TOLLGATE_CONFIG_YAML: JSON.stringify(await config((c) => (c.policy = { schema_file: 'schema.cedarschema', files: ['x.cedar'] }))), TOLLGATE_SIGNING_JWK: JSON.stringify(await privateSigningJwk('w1')), DB: fakeD1 }), 'config_invalid', /policy\.schema_file, policy\.files: a Worker reads no files/],
    ['a SQLite store', async () => ({ TOLLGATE_CONFIG_YAML: JSON.stringify(await config((c) => (c.store = { sqlite: { path: 'x.db' } }))), TOLLGATE_SIGNING_JWK: JSON.stringify(await privateSigningJwk('w1')) }), 'config_invalid', /store: a Worker stores in D1/],
    ['the D1 binding is missing', async () => ({ TOLLGATE_CONFIG_YAML: JSON.stringify(await config()), TOLLGATE_SIGNING_JWK: JSON.stringify(await privateSigningJwk('w1')) }), 'binding_missing', /no D1 database bound as DB/],
    ['the binding is not a D1 database', async () => ({ TOLLGATE_CONFIG_YAML: JSON.stringify(await config()), TOLLGATE_SIGNING_JWK: JSON.stringify(await privateSigningJwk('w1')), DB: 'a string' }), 'binding_missing', /no D1 database bound as DB/],
    ['the R2 archive audit retention names is not bound', async () => ({ TOLLGATE_CONFIG_YAML: JSON.stringify(await config((c) => (c.audit = { retention: { export_r2_binding: 'AUDIT_ARCHIVE', max_events: 1000 } }))), TOLLGATE_SIGNING_JWK: JSON.stringify(await privateSigningJwk('w1')), DB: fakeD1 }), 'binding_missing', /audit\.retention\.export_r2_binding: no R2 bucket bound as AUDIT_ARCHIVE/],
    ['the signing key secret is not a JWK', async () => ({ TOLLGATE_CONFIG_YAML: JSON.stringify(await config()), TOLLGATE_SIGNING_JWK: 'not-json-secret-material', DB: fakeD1 }), 'signing_key_invalid', /not a JSON object/],
    ['a policy that does not validate', async () => ({ TOLLGATE_CONFIG_YAML: JSON.stringify(await config((c) => (c.policy.text = 'permit (principal, action == Tollgate::Action::"fly", resource);'))), TOLLGATE_SIGNING_JWK: JSON.stringify(await privateSigningJwk('w1')), DB: fakeD1 }), 'policy_invalid', /./],
    ['an unknown provider type', async () => ({ TOLLGATE_CONFIG_YAML: JSON.stringify(await config((c) => (c.providers.x = { type: 'ldap' }))), TOLLGATE_SIGNING_JWK: JSON.stringify(await privateSigningJwk('w1')), DB: fakeD1 }), 'config_invalid', /providers\.x\.type: unknown provider type "ldap"/],
    ['aws-sts with the SDK default credential chain', async () => ({ TOLLGATE_CONFIG_YAML: JSON.stringify(await config((c) => (c.providers.aws = { type: 'aws-sts', region: 'eu-west-1' }))), TOLLGATE_SIGNING_JWK: JSON.stringify(await privateSigningJwk('w1')), DB: fakeD1 }), 'config_invalid', /on Workers use \{ static/],
  ])('%s → %s', async (_name, env, code, message) => {
    const e = await startupError(await env());
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    const res = e.toResponse();
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: 'server_error', error_code: code });
  });

  it('never echoes a secret in its error', async () => {
    const e = await startupError({ TOLLGATE_CONFIG_YAML: JSON.stringify(await config()), TOLLGATE_SIGNING_JWK: '{"kty":"EC","d":"c2VjcmV0LWtleS1tYXRlcmlhbA"}', DB: fakeD1 });
    expect(e.code).toBe('signing_key_invalid');
    expect(JSON.stringify(await e.toResponse().json())).not.toContain('c2VjcmV0LWtleS1tYXRlcmlhbA');
  });
});

describe('Worker start-up in workerd', () => {
  let worker: WranglerDev;
  beforeAll(async () => {
    // wrangler.toml binds DB; this config names another binding.
    const c = await config((x) => (x.store = { d1: { binding: 'TOLLGATE_DB' } }));
    worker = await startWranglerDev({ vars: { TOLLGATE_CONFIG_YAML: c, TOLLGATE_SIGNING_JWK: JSON.stringify(await privateSigningJwk('w1')) } });
  }, 120_000);
  afterAll(async () => worker?.stop());

  it('a missing binding answers 500 binding_missing on every path, metadata included', async () => {
    for (const path of ['/healthz', '/.well-known/jwks.json', '/oauth/token']) {
      const res = await fetch(worker.url + path, { method: path === '/oauth/token' ? 'POST' : 'GET' });
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error: 'server_error', error_code: 'binding_missing' });
    }
    expect(worker.output()).toContain('tollgate cannot start');
  });
});
