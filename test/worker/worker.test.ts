import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';
import { testIssuer, type TestIssuer } from '../support/keys.ts';
import { freePort } from '../support/free-port.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
let child: ChildProcess;
let url: string;
let workload: TestIssuer;
let log = '';

/** The Workers build, run locally in workerd by `wrangler dev`: the same core, Cedar's web build. */
beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  workload = await testIssuer('https://workload.example', 'wl-1');
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const config = {
    server: { issuer: url },
    store: { d1: { binding: 'DB' } },
    signing: { keys: [{ kid: 'w1', alg: 'ES256', private_jwk: JSON.stringify(await exportJWK(privateKey)) }] },
    trust: { issuers: [{ name: 'wl', issuer: workload.issuer, kind: 'workload', jwks: { keys: [workload.publicJwk] }, audiences: ['tollgate'], algorithms: ['ES256'], spiffe_trust_domains: ['example.org'] }] },
    agents: [{ id: 'spiffe://example.org/agent/*', owner: 'team' }],
    providers: { t: { type: 'grant-token' } },
    resources: [{ id: 'demo:reports', provider: 't', actions: { read: {} } }],
    policy: { schema: readFileSync(`${ROOT}/config/schema.cedarschema`, 'utf8'), text: readFileSync(`${ROOT}/config/policies/dev.cedar`, 'utf8') },
  };
  child = spawn(
    process.execPath,
    [`${ROOT}/node_modules/wrangler/bin/wrangler.js`, 'dev', '--port', String(port), '--ip', '127.0.0.1', '--var', `TOLLGATE_CONFIG_YAML:${JSON.stringify(config)}`, '--show-interactive-dev-session=false'],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`wrangler dev did not start:\n${log}`)), 90_000);
    const check = () => log.includes('Ready on') && (clearTimeout(t), resolve());
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => (clearTimeout(t), reject(new Error(`wrangler dev exited ${code}:\n${log}`))));
  });
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
});

describe('Workers build in workerd', () => {
  it('serves metadata and keys from the same app', async () => {
    const m = await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json();
    expect(m.issuer).toBe(url);
    const jwks = await (await fetch(`${url}/.well-known/jwks.json`)).json();
    expect(jwks.keys[0]).toMatchObject({ kid: 'w1', kty: 'EC' });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it('verifies identity and evaluates Cedar, then fails closed without a store (no D1 store yet)', async () => {
    const bad = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: 'garbage', subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', scope: 'demo:reports:read', task_id: 't' }),
    });
    expect(bad.status).toBe(400);
    const res = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: await workload.mint('spiffe://example.org/agent/demo'), subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', scope: 'demo:reports:read', task_id: 't' }),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
  });
});
